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
flow-continue = para continuar a { $app }
flow-continue-vendor = para continuar a { $app }, creada por { $vendor }, no por Not Far(m) From Home
flow-continue-outside = para continuar a { $app }, creada por un desarrollador externo, no por Not Far(m) From Home
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
