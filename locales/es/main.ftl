# Las palabras de las páginas y los correos de farm-auth, en español.
# Tuteo, como en las tiendas en línea de España y América Latina.

## Shared

brand = Not Far(m) From Home
base-footer = Directo de las granjas locales a tu mesa. Iniciar sesión aquí mantiene tu cuenta segura en todo el mercado y en sus aplicaciones asociadas.
continue = Continuar
field-username = Nombre de usuario
field-password = Contraseña
field-email = Correo electrónico
field-email-address = Dirección de correo electrónico
signed-in-as = Sesión iniciada como { $name }.
decision-allow = Permitir
decision-deny = Rechazar
flow-continue = para continuar en { $app }
flow-continue-vendor = para continuar en { $app }, creada por { $vendor }, no por Not Far(m) From Home
flow-continue-outside = para continuar en { $app }, creada por un desarrollador externo, no por Not Far(m) From Home
vendor-note = { $app } es obra de { $vendor }, un proveedor externo, no de Not Far(m) From Home. Permítela solo si confías en ellos.
vendor-note-outside = { $app } es obra de un desarrollador externo, no de Not Far(m) From Home. Permítela solo si confías en él.

## Sign in and sign up

login-title = Iniciar sesión
login-submit = Iniciar sesión
login-passkey = Iniciar sesión con una llave de acceso
login-email-code = Envíame un código de acceso por correo
login-forgot = ¿Olvidaste tu contraseña?
login-new-here = ¿Primera vez aquí?
login-create-account = Crea una cuenta
signup-title = Crea tu cuenta
signup-username-help = De 3 a 64 letras (de la a a la z), cifras, puntos, guiones o guiones bajos.
signup-password-help = Al menos 8 caracteres. Lo mejor es una frase larga que recuerdes; las contraseñas muy comunes se rechazan.
signup-joining-as = Me uno como
signup-role-consumer = consumidor, para comprar a granjas locales
signup-role-farmer = agricultor, para vender mis productos
signup-farm-name = Nombre de la granja (si te unes como agricultor)
signup-farm-help = La granja para la que vendes. Un administrador la aprueba antes de que puedas vender; mientras tanto, compras como consumidor.
signup-trap = Deja este campo vacío
signup-submit = Crear cuenta
signup-submit-no-password = Crear cuenta sin contraseña
signup-no-password-help = Sin contraseña, inicias sesión con una llave de acceso (te la ofrecemos a continuación) o con un código enviado a tu dirección una vez confirmada.
signup-have-account = ¿Ya tienes una cuenta?

## Second factor

second-title = Confirma que eres tú
second-lead-code = El código es correcto. Un paso más mantiene tu cuenta en tus manos.
second-lead-password = La contraseña es correcta. Un paso más mantiene tu cuenta en tus manos.
second-totp-label = Código de tu aplicación de autenticación
second-confirm = Confirmar
second-passkey = Usar una llave de acceso
second-lost-phone = ¿Perdiste tu teléfono? Usa un código de recuperación
second-recovery-label = Código de recuperación
second-recovery-help = Uno de los diez códigos que guardaste al configurar la aplicación. Cada uno sirve una sola vez.
second-recovery-submit = Usar el código de recuperación
second-start-again = Empezar de nuevo

## Sign-in codes by mail

code-title = Iniciar sesión con un código
code-lead = Escribe la dirección de correo confirmada de tu cuenta y te enviaremos un código para iniciar sesión sin tu contraseña.
code-submit = Envíame un código
code-use-password = Iniciar sesión con tu contraseña
code-verify-title = Escribe tu código
code-verify-lead = Si alguna cuenta tiene la dirección confirmada { $email }, le enviamos un código. Sirve una sola vez, en este navegador, durante 10 minutos.
code-verify-label = Código del correo
code-send-another = Enviar otro código

## Consent and devices

consent-title = Permitir el acceso
consent-heading = ¿Permitir que { $app } acceda a tu cuenta?
consent-will-be-able = Si lo permites, { $app } podrá:
consent-never-password = Nunca verá tu contraseña.
device-title = Conectar un dispositivo
device-lead = Escribe el código que te muestra tu televisor, altavoz o aplicación.
device-code-label = Código que aparece en tu dispositivo
device-code-help = Ocho letras. Los guiones y los espacios no importan.
device-warning = Escribe solo el código de un dispositivo que tengas en la mano o a la vista. Nadie de Not Far(m) From Home te pedirá nunca uno.
device-confirm-title = ¿Conectar { $app }?
device-confirm-heading = ¿Conectar { $app } a tu cuenta?
device-confirm-check = Comprueba que tu dispositivo muestra este código:
device-confirm-code-label = Código { $code }
device-confirm-different = Si el código es distinto, o si otra persona te dio este código, elige Rechazar.

## Signing out and returning to an application

logout-title = Cerrar sesión
logout-heading = ¿Cerrar sesión?
logout-signed-in-as = Has iniciado sesión como { $name }.
logout-asked-by = { $app } pidió cerrar tu sesión.
logout-explain = Al cerrar sesión terminas tu sesión de Not Far(m) From Home en este navegador.
return-leads-back = El botón de abajo te lleva de vuelta a { $app }, en
return-leads-back-end = . Síguelo solo si querías usar esa aplicación.
return-button = Volver a { $app }
form-post-title = Volviendo a la aplicación
form-post-lead = Te estamos llevando de vuelta a la aplicación…

## Refusals and page errors (Rust code writes these in English; decision 144)

try-again-seconds = { $n ->
    [one] Vuelve a intentarlo dentro de un segundo.
   *[other] Vuelve a intentarlo dentro de { $n } segundos.
}
try-again-minutes = { $n ->
    [one] Vuelve a intentarlo dentro de un minuto.
   *[other] Vuelve a intentarlo dentro de { $n } minutos.
}
err-too-many-attempts = Demasiados intentos fallidos.
err-nothing-done = No se hizo nada.
err-wrong-credentials = El nombre de usuario o la contraseña no son correctos.
err-account-locked = Esta cuenta está bloqueada. Si crees que es un error, ponte en contacto con el servicio de ayuda de Not Far(m) From Home.
err-reset-required = Tienes que elegir una contraseña nueva antes de iniciar sesión: te enviamos un enlace por correo. Si ha caducado, usa «¿Olvidaste tu contraseña?» más abajo.
err-factor-unavailable = Tu segundo paso no se puede usar en esta dirección del servicio.
err-wrong-code = Ese código no es correcto. Revísalo y vuelve a intentarlo.
err-not-enrolled = Usa otra forma de confirmar que eres tú.
err-sign-in-again = Vuelve a iniciar sesión.

## Farms

farms-title = Tus granjas
back-to-account = Volver a tu cuenta
farms-none = No eres miembro de ninguna granja. El propietario o el gerente de una granja puede invitarte por correo.
farm-role-name = { $role ->
    [owner] propietario
    [manager] gerente
   *[staff] personal
}
farm-status-name = { $status ->
    [active] activa
    [pending] pendiente
   *[suspended] suspendida
}
farm-all = Todas tus granjas
farm-status = Estado
farm-your-role = Tu función
farm-pending = Un administrador aún no ha aprobado esta granja. Mientras tanto, compras como consumidor.
farm-members = Miembros
farm-you = (tú)
farm-role-of = Función de { $name }
farm-change-role = Cambiar la función
remove-named = Quitar { $name }
farm-step-down = y pasar yo a gerente
farm-make-owner = Hacer propietario a { $name }
farm-invite = Invitar a alguien
farm-role = Función
farm-send-invitation = Enviar la invitación
farm-open-invitations = Invitaciones abiertas
farm-no-invitations = No hay invitaciones abiertas.
farm-until = hasta el { $when }
farm-withdraw = Retirar
farm-apps = Aplicaciones
farm-no-apps = Esta granja aún no tiene aplicaciones.
farm-apps-explain = Tus desarrolladores registran las aplicaciones de { $farm } (registro dinámico de clientes de OAuth 2.0) con un token de registro. Quienes inicien sesión en ellas verán que las hizo { $farm }.
farm-get-token = Obtener un token de registro para { $farm }
farm-leave = Salir
farm-leave-named = Salir de { $farm }
invitation-join = Unirte a { $farm }
invitation-lead = Te invitaron a unirte a { $farm }
invitation-lead-role = como { $role }. La invitación es para { $email }.
invitation-sign-in = Inicia sesión con la cuenta de esa dirección, o crea una con ella.
invitation-confirm-first = Primero confirma tu dirección de correo: sigue el enlace que enviamos a { $email } y volverás aquí.
invitation-other-account = Iniciaste sesión como { $name }, cuya dirección de correo no es la invitada. Cierra sesión y luego inicia sesión o crea una cuenta con { $email }.
token-title = Token de registro
token-heading = Token de registro para { $vendor }
token-lead = Tus desarrolladores lo usan una vez para registrar una de tus aplicaciones. Quienes inicien sesión en esa aplicación verán que la hizo { $vendor }.
token-token = Token
token-expires = Caduca
token-endpoint = Punto de registro
token-copy-now = Copia el token ahora: solo se muestra esta vez.

## Passwords, addresses and second factors

forgot-title = Olvidaste tu contraseña
forgot-lead = Escribe la dirección de correo de tu cuenta y te enviaremos un enlace para elegir una contraseña nueva.
forgot-submit = Envíame un enlace
back-to-sign-in = Volver a iniciar sesión
reset-title = Elige una contraseña nueva
field-new-password = Contraseña nueva
reset-help = Al menos 8 caracteres; una frase de unas pocas palabras es fácil de recordar y difícil de adivinar. Se cerrarán todas las sesiones de tu cuenta.
reset-submit = Guardar la contraseña nueva
verify-title = Confirma tu dirección de correo
verify-lead = Con un clic, tu dirección queda confirmada.
verify-submit = Confirmar mi dirección
review-title = Revisa cómo inicias sesión
review-lead = Tu contraseña ha cambiado y se cerraron todas las sesiones de tu cuenta.
review-none-left = No queda ningún método de inicio de sesión añadido en los últimos { $days } días.
review-explain = Estos métodos de inicio de sesión se añadieron a tu cuenta en los últimos { $days } días. Si no añadiste alguno tú, quítalo: quien conocía tu contraseña anterior pudo añadirlo para volver a entrar.
added-on = Añadido el { $when }
review-continue = Continuar al inicio de sesión
review-factor-app = Una aplicación de autenticación
review-factor-codes = Códigos de recuperación nuevos
review-factor-passkey = La llave de acceso «{ $name }»
review-factor-provider = El inicio de sesión con { $provider }
codes-title = Tus códigos de recuperación
codes-lead = Guárdalos en un lugar seguro. Cada uno te permite iniciar sesión una vez si pierdes tu teléfono. Es la única vez que los mostramos.
codes-saved = Ya los guardé
totp-title = Configura una aplicación de autenticación
totp-lead = Escanea este código con tu aplicación de autenticación y escribe el código de 6 cifras que te muestre.
totp-qr-label = Código QR para tu aplicación de autenticación
totp-cannot-scan = ¿No puedes escanearlo? Escribe esta clave en tu aplicación (basada en el tiempo, 6 cifras, 30 segundos):
totp-password-manager = O dale esta dirección a tu gestor de contraseñas:
totp-code-label = Código de la aplicación
totp-submit = Activar el inicio de sesión en dos pasos
totp-not-now = Ahora no

## The account page

account-title = Tu cuenta
account-display-name = Nombre visible
account-display-name-none = ninguno; las aplicaciones ven tu nombre de usuario
account-confirmed = confirmado
account-not-confirmed = sin confirmar
account-send-confirmation = Enviar un nuevo enlace de confirmación
account-profile = Nombre y dirección de correo
account-display-name-help = Cómo te llaman las aplicaciones a las que permites ver tu perfil. Déjalo vacío para mostrar tu nombre de usuario.
account-save-name = Guardar el nombre visible
account-new-email = Nueva dirección de correo
account-new-email-help = Enviamos un enlace a la nueva dirección; tu dirección cambia cuando lo sigues. Avisamos a tu dirección actual, que puede deshacer el cambio durante 7 días.
account-current-password = Contraseña actual
account-or-code = O un código de tu aplicación de autenticación
account-change-email = Cambiar la dirección de correo
account-new-password-help = Al menos 8 caracteres. Se cerrarán tus otras sesiones.
account-end-grants = Cerrar también la sesión de las aplicaciones que pueden cambiar tu cuenta
account-change-password = Cambiar la contraseña
account-two-step = Inicio de sesión en dos pasos
account-totp-on = { $n ->
    [one] Tienes configurada una aplicación de autenticación. Te queda { $n } código de recuperación sin usar.
   *[other] Tienes configurada una aplicación de autenticación. Te quedan { $n } códigos de recuperación sin usar.
}
account-codes-password = Contraseña, para crear códigos de recuperación nuevos
account-make-codes = Crear códigos de recuperación nuevos
account-disable-password = Contraseña, para quitar la aplicación de autenticación
account-disable-totp = Quitar la aplicación de autenticación
account-totp-off = Pide un código de una aplicación de autenticación después de tu contraseña, para que una contraseña robada no baste.
account-totp-password = Contraseña, para configurar una aplicación de autenticación
account-passkeys = Llaves de acceso
account-no-passkeys = Aún no tienes llaves de acceso. Una llave de acceso te permite iniciar sesión con el bloqueo de pantalla de tu dispositivo, sin contraseña.
account-last-used = último uso: { $when }
account-never = nunca
account-remove-password = Contraseña, para quitar { $name }
account-passkey-name = Nombre de la nueva llave de acceso
account-passkey-default = Mi llave de acceso
account-passkey-password = Contraseña, para añadir una llave de acceso
account-add-passkey = Añadir una llave de acceso
account-passkey-js = Para añadir una llave de acceso hace falta JavaScript.
account-sessions = Dónde tienes la sesión iniciada
account-this-browser = este navegador
account-started = iniciada el { $when }
account-last-seen = última actividad: { $when }
account-unknown = desconocida
account-unknown-device = Dispositivo desconocido
account-sign-out-here = Cerrar sesión aquí
account-end-session = Cerrar esta sesión
account-end-others = Cerrar todas las demás sesiones
account-apps = Aplicaciones conectadas
account-no-apps = Ninguna aplicación tiene acceso a tu cuenta.
account-app-allowed = Permitido: { $scopes }
account-app-since = desde el { $when }
account-app-stays = mantiene la sesión iniciada
account-revoke = Revocar { $app }
account-data = Tus datos
account-data-help = Un archivo JSON con tu perfil, tus granjas, tus métodos de inicio de sesión (nombres y fechas, nunca secretos), tus sesiones, tus aplicaciones conectadas y los eventos de seguridad recientes.
account-download = Descargar tus datos
account-delete-help = Eliminar tu cuenta cierra tu sesión en todas partes, desconecta todas las aplicaciones y quita tus métodos de inicio de sesión. No se puede deshacer. Si eres el último propietario de una granja, traspásala antes.
account-delete-password = Contraseña, para eliminar tu cuenta
account-delete-confirm = Sí, eliminar mi cuenta y todo lo que contiene
account-delete = Eliminar mi cuenta
account-admin = Abrir la consola de administración

## Mail (a mail is in the language of the request that caused it)

mail-hello = Hola, { $name }:
mail-your-code = Tu código:
mail-copy-link = Si el botón no funciona, copia esta dirección en tu navegador:
mail-code-subject = Tu código de acceso
mail-code-intro = Alguien (esperamos que tú) pidió iniciar sesión en tu cuenta con un código. Escríbelo en la página que lo pidió; sirve una sola vez, durante 10 minutos.
mail-code-closing = Si no lo pediste tú, ignora este mensaje: nadie puede iniciar sesión sin el código y tu contraseña no cambia.
mail-verify-intro = Te damos la bienvenida a Not Far(m) From Home. Confirma que esta es tu dirección de correo; el enlace funciona durante 24 horas.
mail-verify-closing = Si no creaste ninguna cuenta, ignora este mensaje y no pasará nada.
mail-reset-subject = Restablece tu contraseña
mail-reset-intro = Alguien (esperamos que tú) pidió restablecer la contraseña de tu cuenta. El enlace funciona una sola vez, durante 30 minutos.
mail-reset-closing = Si no lo pediste tú, ignora este mensaje: tu contraseña no cambia.
mail-undo-reset-intro = Se deshizo el cambio de tu dirección de correo y se cerraron todas las sesiones. Elige ahora una contraseña nueva: quien cambió la dirección puede conocer la anterior. El enlace funciona una sola vez, durante 30 minutos.
mail-undo-reset-closing = Si el enlace caduca, pide otro con «¿Olvidaste tu contraseña?» en la página de inicio de sesión.
mail-notice-subject = Un cambio en cómo inicias sesión
mail-notice-link = Abrir mi cuenta
mail-notice-closing = Te enviamos este mensaje cada vez que cambia un método de inicio de sesión o la contraseña de tu cuenta.
mail-notice-if-not-you = Si fuiste tú, no tienes que hacer nada. Si no, cambia tu contraseña ahora y revisa las sesiones y los métodos de inicio de sesión en la página de tu cuenta.
mail-notice-totp-on = Se configuró una aplicación de autenticación para el inicio de sesión en dos pasos de tu cuenta.
mail-notice-totp-off = Se quitó de tu cuenta la aplicación de autenticación, junto con sus códigos de recuperación.
mail-notice-codes = Se crearon códigos de recuperación nuevos para tu cuenta; los anteriores ya no sirven.
mail-notice-reset = La contraseña de tu cuenta se restableció con un enlace que enviamos por correo, y se cerraron todas las sesiones y aplicaciones.
mail-notice-review-totp = Se quitó de tu cuenta la aplicación de autenticación, junto con sus códigos de recuperación, después de restablecer la contraseña.
mail-notice-review-codes = Se quitaron los códigos de recuperación de tu cuenta después de restablecer la contraseña.
mail-notice-review-passkey = Se quitó una llave de acceso de tu cuenta después de restablecer la contraseña.
mail-notice-review-provider = Se desvinculó un proveedor de tu cuenta tras restablecer la contraseña.
mail-notice-password = La contraseña de tu cuenta cambió y se cerraron sus otras sesiones.
mail-notice-password-grants = La contraseña de tu cuenta cambió; se cerraron sus otras sesiones y las de las aplicaciones que podían cambiar tu cuenta.
mail-passkey-added = Se añadió a tu cuenta una llave de acceso llamada «{ $name }»; permite iniciar sesión sin contraseña.
mail-upstream-linked = Se vinculó a tu cuenta el inicio de sesión con { $provider }; permite iniciar sesión sin contraseña.
mail-upstream-unlinked = Se quitó de tu cuenta el inicio de sesión con { $provider }.
mail-notice-passkey-removed = Se quitó una llave de acceso de tu cuenta.
mail-change-subject = Confirma tu nueva dirección de correo
mail-change-intro = Pediste usar esta dirección para tu cuenta de Not Far(m) From Home. Sigue el enlace para hacer el cambio; funciona una sola vez, durante una hora.
mail-change-link = Usar esta dirección
mail-change-closing = Si no lo pediste tú, ignora este mensaje: no cambia nada.
mail-taken-subject = Esta dirección de correo ya tiene una cuenta
mail-there = usuario
mail-taken-intro = Alguien pidió trasladar una cuenta de Not Far(m) From Home a esta dirección, pero esta dirección ya pertenece a una cuenta, así que no se cambió nada. Si fuiste tú, inicia sesión en la cuenta a la que pertenece esta dirección.
mail-taken-closing = Si no lo pediste tú, ignora este mensaje.
mail-changed-subject = Se cambió la dirección de correo de tu cuenta
mail-changed-intro = Se cambió la dirección de correo de tu cuenta de Not Far(m) From Home y el correo va ahora a la dirección nueva. Si fuiste tú, no tienes que hacer nada. Si no, sigue el enlace en los próximos 7 días: recupera esta dirección, cierra todas las sesiones y aplicaciones y te pide una contraseña nueva.
mail-changed-link = Deshacer el cambio y proteger mi cuenta
mail-changed-closing = Enviamos este mensaje a tu dirección anterior cada vez que cambia la dirección de tu cuenta.
mail-invited-by = { $name } te invitó a unirte a la granja «{ $farm }» en Not Far(m) From Home
mail-invited = Te invitaron a unirte a la granja «{ $farm }» en Not Far(m) From Home
mail-invitation-intro = como { $role ->
        [owner] propietario
        [manager] gerente
       *[staff] parte del personal
    }. Sigue el enlace para aceptar; si aún no tienes cuenta, puedes crear una allí con esta dirección. El enlace funciona una sola vez, durante { $days ->
        [one] { $days } día
       *[other] { $days } días
    }.
mail-invitation-subject = Únete a { $farm } en Not Far(m) From Home
mail-invitation-link = Ver la invitación
mail-invitation-closing = Si no conoces esta granja, ignora este mensaje y no pasará nada.

## Page messages, notices and form complaints written in Rust (found by their English text)

page-a-parameter-is-given-more-than = Un parámetro aparece más de una vez.
page-administer-the-platform-as-you-people = Administrar la plataforma en tu nombre: personas, aplicaciones y claves (solo administradores)
page-an-authenticator-app-is-already-set = Ya tienes configurada una aplicación de autenticación.
page-another-account-started-using-that-address = Otra cuenta empezó a usar esa dirección después de enviar el enlace, así que no se cambió nada.
page-ask-for-a-new-link = Pedir un enlace nuevo
page-check-your-email = Revisa tu correo
page-choose-allow-or-deny = Elige Permitir o Rechazar.
page-confirmation-links-work-once-for-24 = Los enlaces de confirmación funcionan una sola vez, durante 24 horas. Inicia sesión y pide otro en la página de tu cuenta.
page-create-a-new-account = Crear una cuenta nueva
page-enter-the-email-address-of-your = Escribe la dirección de correo de tu cuenta.
page-every-session-of-your-account-was = Se cerraron todas las sesiones de tu cuenta y las aplicaciones tendrán que volver a pedir acceso. Inicia sesión con tu contraseña nueva.
page-for-your-safety-forms-can-only = Por tu seguridad, los formularios solo se pueden enviar desde la página que te dimos. Vuelve atrás, recarga la página y vuelve a intentarlo.
page-go-to-your-account = Ir a tu cuenta
page-if-an-account-has-that-address = Si alguna cuenta tiene esa dirección, le enviamos un enlace para elegir una contraseña nueva (como máximo tres por hora). El enlace funciona una sola vez, durante 30 minutos. ¿No te llegó nada? Mira en la carpeta de correo no deseado o vuelve a pedirlo dentro de unos minutos.
page-invitations-work-once-for-a-limited = Las invitaciones funcionan una sola vez, durante un tiempo limitado, y se pueden retirar. Pide otra a la granja.
page-it-was-completed-already-or-it = Ya se completó o esperó demasiado. Vuelve a la aplicación y empieza de nuevo.
page-keep-access-when-you-are-not = Mantener el acceso aunque no la estés usando, hasta que cierres su sesión desde tu cuenta
page-know-who-you-are-when-you = Saber quién eres cuando inicias sesión
page-links-we-send-by-email-work = Los enlaces que enviamos por correo funcionan una sola vez y durante poco tiempo. Pide otro.
page-links-we-send-by-email-work-2 = Los enlaces que enviamos por correo funcionan una sola vez y durante poco tiempo.
page-mail-about-your-account-now-goes = El correo sobre tu cuenta va ahora a la dirección nueva, que queda confirmada.
page-manage-how-you-sign-in-your = Gestionar cómo inicias sesión: tu contraseña, el inicio de sesión en dos pasos y las sesiones
page-no-authenticator-app-is-set-up = No tienes configurada ninguna aplicación de autenticación.
page-not-found = No encontrado
page-nothing-was-shared-you-can-go = No se compartió nada. Puedes volver a tu dispositivo.
page-one-click-and-this-becomes-the = Con un clic, esta pasa a ser la dirección de correo de tu cuenta.
page-page-not-found = Página no encontrada
page-passkeys-are-not-available-on-this = Las llaves de acceso no están disponibles en este servidor.
page-please-go-back-to-the-application = Vuelve a la aplicación e inténtalo de nuevo.
page-please-try-again-in-a-moment = Vuelve a intentarlo dentro de un momento.
page-see-the-farms-you-work-for = Ver las granjas para las que trabajas y tu función en cada una
page-see-whether-you-are-a-consumer = Ver si eres consumidor, agricultor o administrador
page-see-your-email-address-and-whether = Ver tu dirección de correo y si está confirmada
page-see-your-username = Ver tu nombre de usuario
page-sign-in-again = Volver a iniciar sesión
page-sign-in-first = Primero inicia sesión.
page-sign-in-with-your-password-first = Primero inicia sesión con tu contraseña.
page-something-is-wrong-with-this-request = Algo falla en esta solicitud
page-something-went-wrong-on-our-side = Algo falló por nuestra parte
page-start-again-that-request-expired = Empieza de nuevo: esa solicitud caducó.
page-temporarily-unavailable = No disponible por el momento
page-thank-you-apps-you-allow-to = Gracias. Las aplicaciones a las que permitas ver tu dirección de correo la verán ahora como confirmada.
page-that-address-belongs-to-another-account = Esa dirección pertenece a otra cuenta
page-that-app-had-no-access-to = Esa aplicación no tenía ningún acceso que revocar.
page-that-code-has-expired-ask-for = Ese código caducó. Pide otro.
page-that-code-is-not-valid-or = Ese código no es válido o ha caducado.
page-that-passkey-could-not-be-verified = No se pudo verificar esa llave de acceso. Vuelve a intentarlo.
page-that-passkey-response-is-malformed = La respuesta de esa llave de acceso está mal formada.
page-that-passkey-was-already-gone = Esa llave de acceso ya no estaba.
page-that-request-is-too-large = Esa solicitud es demasiado grande.
page-that-session-had-already-ended = Esa sesión ya había terminado.
page-that-session-is-signed-out = Esa sesión está cerrada.
page-that-sign-in-method-is-not = Ese método de inicio de sesión ya no existe.
page-the-apps-access-is-revoked-it = Se revocó el acceso de la aplicación. Tendrá que volver a pedírtelo.
page-the-authenticator-app-and-its-recovery = Se quitaron la aplicación de autenticación y sus códigos de recuperación.
page-the-change-is-undone = Se deshizo el cambio
page-the-farm-has-a-new-owner = La granja tiene un nuevo propietario.
page-the-form-could-not-be-read = No se pudo leer el formulario.
page-the-form-has-a-field-more = El formulario tiene un campo repetido.
page-the-form-is-too-large = El formulario es demasiado grande.
page-the-form-was-not-sent-as = El formulario no se envió como formulario web.
page-the-invitation-is-withdrawn-its-link = Se retiró la invitación: su enlace ya no funciona.
page-the-member-is-removed = Se quitó al miembro.
page-the-passkey-is-removed = Se quitó la llave de acceso.
page-the-request-body-could-not-be = No se pudo leer el cuerpo de la solicitud.
page-the-request-could-not-be-read = No se pudo leer la solicitud.
page-the-request-is-too-large = La solicitud es demasiado grande.
page-the-request-was-not-sent-as = La solicitud no se envió como formulario web.
page-the-role-is-changed = Se cambió la función.
page-there-is-nothing-at-this-address = No hay nada en esta dirección.
page-there-is-nothing-here-by-that = Aquí no hay nada con ese nombre. Puede que se haya eliminado.
page-there-were-no-other-sessions = No había otras sesiones.
page-this-form-has-expired = Este formulario caducó
page-this-invitation-does-not-work-any = Esta invitación ya no funciona
page-this-link-does-not-work-any = Este enlace ya no funciona
page-this-puts-your-previous-address-back = Esto recupera tu dirección anterior, cierra todas las sesiones y aplicaciones y te pide elegir una contraseña nueva con un enlace que enviamos a esa dirección.
page-this-sign-in-request-has-expired = Esta solicitud de inicio de sesión caducó
page-tick-the-box-to-say-you = Marca la casilla para confirmar que quieres eliminar tu cuenta.
page-to-go-on-sign-in-again = Para continuar, vuelve a iniciar sesión con tu contraseña y tu segundo paso.
page-sign-in-again-no-password = Para continuar, vuelve a iniciar sesión: con una llave de acceso, un código por correo o un proveedor.
page-too-many-requests-from-your-network = Demasiadas solicitudes desde tu red
page-too-many-sign-ins-at-once = Demasiados inicios de sesión a la vez
page-too-many-wrong-passwords-try-again = Demasiadas contraseñas incorrectas. Vuelve a intentarlo más tarde.
page-undo-the-change-of-your-email = Deshacer el cambio de tu dirección de correo
page-undo-the-change = Deshacer el cambio
page-unknown-sign-in-mode = Modo de inicio de sesión desconocido.
page-use-this-email-address = Usar esta dirección de correo
page-we-are-very-busy-just-now = Ahora mismo tenemos mucho trabajo
page-we-cannot-process-this-sign-out = No podemos procesar esta solicitud de cierre de sesión
page-we-cannot-reach-our-records-just = Ahora mismo no podemos acceder a nuestros registros. Vuelve a intentarlo dentro de unos segundos.
page-we-cannot-sign-you-in-to = No podemos iniciar tu sesión en esta aplicación
page-we-could-not-check-your-password = Ahora mismo no pudimos comprobar tu contraseña. Vuelve a intentarlo dentro de unos segundos.
page-we-sent-a-link-to-the = Enviamos un enlace a la dirección nueva. Tu dirección cambia cuando lo sigues (en el plazo de una hora).
page-we-sent-a-new-confirmation-link = Enviamos un nuevo enlace de confirmación. Funciona durante 24 horas.
page-we-sent-three-links-this-hour = Ya enviamos tres enlaces en esta hora. Usa uno de ellos o vuelve a intentarlo más tarde.
page-you-are-signed-out = Cerraste sesión
page-you-asked-to-change-your-address = Pediste cambiar tu dirección tres veces en esta hora. Usa el último enlace que enviamos o vuelve a intentarlo más tarde.
page-you-can-go-back-to-your = Puedes volver a tu dispositivo.
page-you-cannot-accept-this-invitation = No puedes aceptar esta invitación
page-you-cannot-do-this-for-this = No puedes hacer esto en esta granja.
page-you-cannot-open-this-page = No puedes abrir esta página
page-you-left-the-farm = Saliste de la granja.
page-your-account-asks-for-a-passkey = Tu cuenta pide una llave de acceso después de la contraseña, y las llaves de acceso no se pueden usar en esta dirección del servicio. No has iniciado sesión. Inicia sesión donde funcionen las llaves de acceso, o configura allí una aplicación de autenticación para usarla también aquí.
page-your-account-is-deleted = Tu cuenta se eliminó
page-your-account-its-sign-in-methods = Tu cuenta, sus métodos de inicio de sesión, sus sesiones y sus conexiones con aplicaciones ya no existen. Las aplicaciones que usaste pueden conservar lo que guardaron por su cuenta; pídeles que lo eliminen.
page-your-current-password-is-not-right = Tu contraseña actual no es correcta.
page-your-device-is-connected = Tu dispositivo está conectado
page-your-device-was-not-connected = Tu dispositivo no se conectó
page-your-display-name-is-removed-apps = Se quitó tu nombre visible; las aplicaciones ven tu nombre de usuario.
page-your-display-name-is-saved = Se guardó tu nombre visible.
page-your-email-address-is-already-confirmed = Tu dirección de correo ya está confirmada.
page-your-email-address-is-changed = Tu dirección de correo cambió
page-your-email-address-is-confirmed = Tu dirección de correo está confirmada
page-your-other-session-is-signed-out = Se cerró tu otra sesión.
page-your-passkey-is-added = Se añadió tu llave de acceso.
page-your-password-is-changed = Tu contraseña cambió
page-your-password-is-changed-your-other = Tu contraseña cambió. Se cerraron tus otras sesiones.
page-your-previous-address-is-back-and = Recuperaste tu dirección anterior y se cerraron todas las sesiones. Te enviamos un enlace para elegir una contraseña nueva; podrás volver a iniciar sesión cuando la tengas.
page-your-second-step-cannot-be-used = Tu segundo paso no se puede usar aquí
page-your-session-on-not-farm-from = Tu sesión de Not Far(m) From Home terminó en este navegador.
page-too-many-wrong-codes = Demasiados códigos incorrectos.
page-too-many-failed-sign-ins = Demasiados inicios de sesión fallidos para esta cuenta o desde esta red.
page-too-many-codes = Demasiados códigos que no funcionaron.
page-password-unusable = Esta contraseña no se puede usar: { $why }.
page-new-password-unusable = La contraseña nueva no se puede usar: { $why }.
page-name-unusable = Ese nombre no se puede usar: { $why }.
page-last-owner = Eres el último propietario de { $farms }. Traspasa la granja a otra persona (o pídeselo a un administrador) antes de eliminar tu cuenta.
page-invitation-sent = Enviamos una invitación a { $email }.
page-welcome-to-farm = Te damos la bienvenida a { $farm }.
page-other-sessions-ended = { $n ->
    [one] Se cerró { $n } otra sesión tuya.
   *[other] Se cerraron tus otras { $n } sesiones.
}
page-request-cannot-complete = La solicitud de la aplicación no se puede completar: { $why }.
consent-use-permission = Usar el permiso «{ $scope }»

## Complaints of the domain about what a form holds (English text from Rust; i18n::sentence)

domain-that-username-or-email-is-already = Ese nombre de usuario o correo ya está registrado.
domain-choose-whether-you-join-as-a = Elige si te unes como consumidor o como agricultor.
domain-this-form-has-expired-please-check = Este formulario caducó; revisa lo que escribiste y vuelve a enviarlo.
domain-please-check-what-you-typed-and = Revisa lo que escribiste y vuelve a enviar el formulario.
domain-username-must-be-3-to-64 = El nombre de usuario debe tener de 3 a 64 letras (a-z, A-Z), cifras, «.», «_» o «-».
domain-email-is-not-a-valid-address = La dirección de correo no es válida.
domain-a-display-name-is-at-most = un nombre visible tiene como máximo 64 caracteres
domain-a-display-name-cannot-hold-control = un nombre visible no puede contener caracteres de control ni de dirección del texto
domain-that-password-is-one-of-the = es una de las contraseñas más usadas; elige otra
domain-a-farm-keeps-at-least-one = Una granja conserva al menos un propietario: primero haz propietario a otro miembro.
domain-that-person-is-already-a-member = Esa persona ya es miembro de esta granja.
domain-too-many-invitations-for-now-try = Demasiadas invitaciones por ahora: vuelve a intentarlo más tarde.
domain-this-invitation-is-not-valid-any = Esta invitación ya no es válida.
domain-this-invitation-was-sent-to-another = Esta invitación se envió a otra dirección de correo.
domain-confirm-your-email-address-first-with = Primero confirma tu dirección de correo con el enlace que te enviamos.
domain-you-are-already-a-member-of = Ya eres miembro de esta granja.
domain-your-farm-role-does-not-allow = Tu función en la granja no permite invitar con esta función.
domain-only-owners-and-managers-withdraw-invitations = Solo los propietarios y los gerentes retiran invitaciones.
domain-your-farm-role-does-not-allow-2 = Tu función en la granja no permite retirar esta invitación.

## Words the pages' scripts show, and names of roles

passkey-failed = Algo salió mal. Recarga la página y vuelve a intentarlo.
passkey-cancelled = La solicitud de la llave de acceso se canceló o se agotó el tiempo.
passkey-exists = Este dispositivo ya tiene una llave de acceso para tu cuenta.
signup-checking = Comprobando que eres una persona…
role-name = { $role ->
    [consumer] consumidor
    [farmer] agricultor
   *[admin] administrador
}
domain-password-length = la contraseña debe tener de 8 a 128 caracteres

## Why an authorization request is answered here, and refusals of passkeys and tokens

page-the-request-has-too-many-parameters = La solicitud tiene demasiados parámetros.
page-the-request-names-more-than-one = La solicitud nombra más de una aplicación.
page-the-application-that-sent-you-here = La aplicación que te envió aquí no está registrada con nosotros.
page-the-address-the-application-asked-us = La dirección a la que la aplicación pidió que te devolviéramos no está registrada para ella.
page-the-request-carries-more-than-one = La solicitud lleva más de una dirección de vuelta.
page-the-request-does-not-say-where = La solicitud no dice adónde devolverte (falta redirect_uri).
page-the-passkey-could-not-be-verified = no se pudo verificar la llave de acceso
page-the-farm-is-not-active-it = la granja no está activa: podrá registrar aplicaciones cuando la plataforma la apruebe
page-no-such-farm = no existe esa granja

## Upstream sign-in providers

upstream-continue-with = Continuar con { $provider }
upstream-account-link = Proveedores de inicio de sesión (Google y otros)
upstream-account-title = Proveedores de inicio de sesión
upstream-account-none = No hay ningún proveedor vinculado a tu cuenta.
upstream-linked-on = vinculado el { $when }
upstream-unlink = Desvincular { $provider }
upstream-prove-title = Vincula tu cuenta
upstream-prove-heading = Ya tienes una cuenta
upstream-prove-lead = Existe una cuenta con la dirección { $email }.
upstream-prove-lead-end = Inicia sesión en ella (con su contraseña y su segundo paso, si lo tiene) para vincularle { $provider }; desde entonces, { $provider } te permitirá iniciar sesión.
upstream-prove-button = Iniciar sesión para vincular
upstream-signup-lead-end = Elige el nombre de usuario de tu nueva cuenta; iniciarás sesión en ella con { $provider }.
upstream-signup-unconfirmed = { $provider } no confirmó esta dirección: te enviaremos un enlace para confirmarla.
upstream-not-offered = Ese proveedor no está disponible.
upstream-sign-in-to-link = Vuelve a iniciar sesión para vincular un proveedor.
upstream-linked = El proveedor está vinculado: ya puedes iniciar sesión con él.
upstream-taken = Esa cuenta del proveedor ya está vinculada a otra cuenta de aquí, o la tuya ya está vinculada a otra cuenta de ese proveedor.
upstream-unlinked = Se desvinculó el proveedor.
upstream-not-linked = Ese proveedor no está vinculado.
upstream-last-way-in = Este proveedor es tu única forma de iniciar sesión: crea una contraseña o añade una llave de acceso antes de desvincularlo.
upstream-did-not-work = No se pudo iniciar sesión
upstream-expired-or-used = Este inicio de sesión caducó o ya se usó. Empieza de nuevo.
upstream-other-browser = Este inicio de sesión no empezó en este navegador. Empieza de nuevo.
upstream-no-longer-offered = Este proveedor de inicio de sesión ya no está disponible.
upstream-expired = Este inicio de sesión caducó. Empieza de nuevo.
upstream-address-taken = Esta dirección pertenece a una cuenta
upstream-signup-lead = { $provider } inició tu sesión como { $email }.
upstream-link-legend = Vincular un proveedor
upstream-link-submit = Vincular
upstream-unreachable = No pudimos comunicarnos con { $provider }. Inténtalo de nuevo en un momento o inicia sesión de otra forma.
upstream-refused = { $provider } no inició tu sesión: no se pudo comprobar su respuesta. Inténtalo de nuevo o inicia sesión de otra forma.
upstream-stale = { $provider } usó un inicio de sesión anterior, pero este paso necesita uno hecho ahora. Vuelve a iniciar sesión allí o inicia sesión de otra forma.
upstream-address-unconfirmed = Una cuenta de aquí tiene la dirección que nos dio { $provider }, pero no la ha confirmado, así que no podemos vincularlas. Inicia sesión en tu cuenta y vincula { $provider } desde la página de tu cuenta.
upstream-unvouched = { $provider } nos dio una dirección pero no la garantiza, así que no podemos crear ni vincular una cuenta con ella. Regístrate o inicia sesión aquí primero y luego vincula { $provider } desde la página de tu cuenta.
upstream-no-address = { $provider } no nos dio ninguna dirección de correo, así que no podemos crearte una cuenta. Regístrate con una dirección de correo.

# The passkey offered right after sign-up (account and consent pages).
passkey-offer-heading = ¿Añadir una llave de acceso ahora?
passkey-offer-text = La próxima vez, inicia sesión con el bloqueo de pantalla, la huella o la cara de este dispositivo en lugar de tu contraseña.
passkey-offer-add = Sí, añadir una llave de acceso

# An account without a password (decision 151).
account-remove-password-help = Puedes iniciar sesión sin contraseña: con una llave de acceso o con un código enviado a tu dirección. Para quitar tu contraseña, escríbela una vez más.
account-remove-my-password = Quitar mi contraseña
account-no-password = Tu cuenta no tiene contraseña: inicias sesión con una llave de acceso o con un código por correo.
account-set-password = Poner una contraseña
account-no-password-proof = Sin contraseña, confirmas que eres tú volviendo a iniciar sesión antes de cambiar tu dirección, añadir o quitar una llave de acceso, vincular un proveedor o eliminar la cuenta. Un inicio de sesión vale durante cinco minutos.
account-sign-in-again = Volver a iniciar sesión
account-sign-in-again-first = Para confirmar que eres tú, vuelve a iniciar sesión y haz el cambio en los cinco minutos siguientes.
account-reset-first = Elige primero una contraseña: te enviamos un enlace por correo. Si ha caducado, usa «¿Olvidaste tu contraseña?» en la página de inicio de sesión.
passkey-last-way-in = Esta llave de acceso es tu única forma de entrar en tu cuenta: pon una contraseña o confirma tu dirección antes de quitarla.
page-no-password = Tu cuenta no tiene contraseña.
page-password-last-way-in = Primero añade una llave de acceso o confirma tu dirección de correo: sin contraseña, necesitas otra forma de iniciar sesión.
page-password-removed = Tu contraseña se ha quitado. Inicia sesión con una llave de acceso o con un código por correo.
mail-notice-password-removed = Se quitó la contraseña de tu cuenta: ahora inicia sesión con una llave de acceso o con un código por correo.
