# Les mots des pages et des courriels de farm-auth, en français.
# Vouvoiement, comme sur les sites marchands en France, au Québec et en Afrique de l'Ouest.

## Shared

brand = Not Far(m) From Home
base-footer = Des fermes locales directement chez vous. Vous connecter ici protège votre compte sur tout le marché et ses applications partenaires.
continue = Continuer
field-username = Nom d’utilisateur
field-password = Mot de passe
field-email = Adresse e-mail
field-email-address = Adresse e-mail
signed-in-as = Connecté en tant que { $name }.
decision-allow = Autoriser
decision-deny = Refuser
flow-continue = pour continuer vers { $app }
flow-continue-vendor = pour continuer vers { $app }, conçue par { $vendor }, et non par Not Far(m) From Home
flow-continue-outside = pour continuer vers { $app }, conçue par un développeur externe, et non par Not Far(m) From Home
vendor-note = { $app } est conçue par { $vendor }, un éditeur externe, et non par Not Far(m) From Home. Ne l’autorisez que si vous lui faites confiance.
vendor-note-outside = { $app } est conçue par un développeur externe, et non par Not Far(m) From Home. Ne l’autorisez que si vous lui faites confiance.

## Sign in and sign up

login-title = Connexion
login-submit = Se connecter
login-passkey = Se connecter avec une clé d’accès
login-email-code = Recevoir plutôt un code de connexion par e-mail
login-forgot = Mot de passe oublié ?
login-new-here = Première visite ?
login-create-account = Créer un compte
signup-title = Créez votre compte
signup-username-help = De 3 à 64 lettres (de a à z), chiffres, points, tirets ou tirets bas.
signup-password-help = Au moins 8 caractères. Une longue phrase dont vous vous souvenez est l’idéal ; les mots de passe trop courants sont refusés.
signup-joining-as = Je m’inscris en tant que
signup-role-consumer = consommateur, pour acheter aux fermes locales
signup-role-farmer = agriculteur, pour vendre ma production
signup-farm-name = Nom de la ferme (si vous vous inscrivez en tant qu’agriculteur)
signup-farm-help = La ferme pour laquelle vous vendez. Un administrateur l’approuve avant que vous puissiez vendre ; d’ici là, vous achetez en tant que consommateur.
signup-trap = Laissez ce champ vide
signup-submit = Créer le compte
signup-have-account = Vous avez déjà un compte ?

## Second factor

second-title = Confirmez que c’est bien vous
second-lead-code = Votre code est correct. Une étape de plus protège votre compte.
second-lead-password = Votre mot de passe est correct. Une étape de plus protège votre compte.
second-totp-label = Code de votre application d’authentification
second-confirm = Confirmer
second-passkey = Utiliser une clé d’accès
second-lost-phone = Téléphone perdu ? Utilisez un code de secours
second-recovery-label = Code de secours
second-recovery-help = L’un des dix codes que vous avez enregistrés lors de la configuration de l’application. Chacun ne sert qu’une fois.
second-recovery-submit = Utiliser le code de secours
second-start-again = Recommencer

## Sign-in codes by mail

code-title = Se connecter avec un code
code-lead = Saisissez l’adresse e-mail confirmée de votre compte : nous vous enverrons un code pour vous connecter sans votre mot de passe.
code-submit = M’envoyer un code
code-use-password = Se connecter avec son mot de passe
code-verify-title = Saisissez votre code
code-verify-lead = Si un compte a l’adresse confirmée { $email }, nous lui avons envoyé un code. Il ne sert qu’une fois, dans ce navigateur, pendant 10 minutes.
code-verify-label = Code reçu par e-mail
code-send-another = Envoyer un autre code

## Consent and devices

consent-title = Autoriser l’accès
consent-heading = Autoriser { $app } à accéder à votre compte ?
consent-will-be-able = Si vous l’autorisez, { $app } pourra :
consent-never-password = Elle ne verra jamais votre mot de passe.
device-title = Connecter un appareil
device-lead = Saisissez le code qu’affiche votre téléviseur, votre enceinte ou votre application.
device-code-label = Code affiché sur votre appareil
device-code-help = Huit lettres. Les tirets et les espaces n’ont pas d’importance.
device-warning = Ne saisissez que le code d’un appareil que vous tenez en main ou que vous avez sous les yeux. Personne de Not Far(m) From Home ne vous en demandera jamais.
device-confirm-title = Connecter { $app } ?
device-confirm-heading = Connecter { $app } à votre compte ?
device-confirm-check = Vérifiez que votre appareil affiche ce code :
device-confirm-code-label = Code { $code }
device-confirm-different = Si le code est différent, ou si quelqu’un d’autre vous a donné ce code, choisissez Refuser.

## Signing out and returning to an application

logout-title = Se déconnecter
logout-heading = Se déconnecter ?
logout-signed-in-as = Vous êtes connecté en tant que { $name }.
logout-asked-by = { $app } a demandé à vous déconnecter.
logout-explain = Vous déconnecter met fin à votre session Not Far(m) From Home dans ce navigateur.
return-leads-back = Le bouton ci-dessous vous ramène à { $app }, à l’adresse
return-leads-back-end = . Ne le suivez que si vous vouliez utiliser cette application.
return-button = Retourner à { $app }
form-post-title = Retour à l’application
form-post-lead = Nous vous ramenons à l’application…

## Refusals and page errors (Rust code writes these in English; decision 144)

try-again-seconds = { $n ->
    [one] Réessayez dans une seconde.
   *[other] Réessayez dans { $n } secondes.
}
try-again-minutes = { $n ->
    [one] Réessayez dans une minute.
   *[other] Réessayez dans { $n } minutes.
}
err-too-many-attempts = Trop de tentatives échouées.
err-nothing-done = Rien n’a été fait.
err-wrong-credentials = Le nom d’utilisateur ou le mot de passe est incorrect.
err-account-locked = Ce compte est verrouillé. Si vous pensez qu’il s’agit d’une erreur, contactez l’assistance de Not Far(m) From Home.
err-reset-required = Vous devez choisir un nouveau mot de passe avant de vous connecter : nous vous avons envoyé un lien par e-mail. S’il a expiré, utilisez « Mot de passe oublié ? » ci-dessous.
err-factor-unavailable = Votre deuxième étape ne peut pas être utilisée à cette adresse du service.
err-wrong-code = Ce code n’est pas correct. Vérifiez-le et réessayez.
err-not-enrolled = Utilisez un autre moyen de confirmer que c’est bien vous.
err-sign-in-again = Reconnectez-vous.
