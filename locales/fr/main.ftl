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
login-forgot = Mot de passe oublié ?
login-new-here = Première visite ?
login-create-account = Créer un compte
signup-title = Créez votre compte
signup-username-help = De 3 à 64 lettres (de a à z), chiffres, points, tirets ou tirets bas.
signup-password-help = Au moins 8 caractères. Une longue phrase dont vous vous souvenez est l’idéal ; les mots de passe trop courants sont refusés.
signup-joining-as = Je m’inscris en tant que
signup-role-consumer = consommateur, pour acheter aux fermes locales
signup-role-farmer = agriculteur, pour vendre ma production
signup-farm-name = Nom de la ferme (si vous vous inscrivez en tant qu’agriculteur)
signup-farm-help = La ferme pour laquelle vous vendez. Un administrateur l’approuve avant que vous puissiez vendre ; d’ici là, vous achetez en tant que consommateur.
signup-trap = Laissez ce champ vide
signup-submit = Créer le compte
signup-submit-no-password = Créer un compte sans mot de passe
signup-no-password-help = Sans mot de passe, vous vous connectez avec une clé d’accès (proposée ensuite) ou un code envoyé à votre adresse une fois celle-ci confirmée.
signup-have-account = Vous avez déjà un compte ?

## Second factor

second-title = Confirmez que c’est bien vous
second-lead-code = Votre code est correct. Une étape de plus protège votre compte.
second-lead-password = Votre mot de passe est correct. Une étape de plus protège votre compte.
second-totp-label = Code de votre application d’authentification
second-confirm = Confirmer
second-passkey = Utiliser une clé d’accès
second-lost-phone = Téléphone perdu ? Utilisez un code de secours
second-recovery-label = Code de secours
second-recovery-help = L’un des dix codes que vous avez enregistrés lors de la configuration de l’application. Chacun ne sert qu’une fois.
second-recovery-submit = Utiliser le code de secours
second-start-again = Recommencer

## Sign-in codes by mail

code-title = Se connecter avec un code
code-lead = Saisissez l’adresse e-mail confirmée de votre compte : nous vous enverrons un code pour vous connecter sans votre mot de passe.
code-submit = M’envoyer un code
code-use-password = Se connecter avec votre mot de passe
code-verify-title = Saisissez votre code
code-verify-lead = Si un compte a l’adresse confirmée { $email }, nous lui avons envoyé un code. Il ne sert qu’une fois, dans ce navigateur, pendant 10 minutes.
code-verify-label = Code reçu par e-mail
code-send-another = Envoyer un autre code

## Consent and devices

consent-title = Autoriser l’accès
consent-heading = Autoriser { $app } à accéder à votre compte ?
consent-will-be-able = Si vous l’autorisez, { $app } pourra :
consent-never-password = Elle ne verra jamais votre mot de passe.
device-title = Connecter un appareil
device-lead = Saisissez le code qu’affiche votre téléviseur, votre enceinte ou votre application.
device-code-label = Code affiché sur votre appareil
device-code-help = Huit lettres. Les tirets et les espaces n’ont pas d’importance.
device-warning = Ne saisissez que le code d’un appareil que vous tenez en main ou que vous avez sous les yeux. Personne de Not Far(m) From Home ne vous en demandera jamais.
device-confirm-title = Connecter { $app } ?
device-confirm-heading = Connecter { $app } à votre compte ?
device-confirm-check = Vérifiez que votre appareil affiche ce code :
device-confirm-code-label = Code { $code }
device-confirm-different = Si le code est différent, ou si quelqu’un d’autre vous a donné ce code, choisissez Refuser.

## Signing out and returning to an application

logout-title = Se déconnecter
logout-heading = Se déconnecter ?
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
err-reset-required = Vous devez choisir un nouveau mot de passe avant de vous connecter : nous vous avons envoyé un lien par e-mail. S’il a expiré, utilisez « Mot de passe oublié ? » ci-dessous.
err-factor-unavailable = Votre deuxième étape ne peut pas être utilisée à cette adresse du service.
err-wrong-code = Ce code n’est pas correct. Vérifiez-le et réessayez.
err-not-enrolled = Utilisez un autre moyen de confirmer que c’est bien vous.
err-sign-in-again = Reconnectez-vous.

## Farms

farms-title = Vos fermes
back-to-account = Retour à votre compte
farms-none = Vous n’êtes membre d’aucune ferme. Le propriétaire ou le gérant d’une ferme peut vous inviter par e-mail.
farm-role-name = { $role ->
    [owner] propriétaire
    [manager] gérant
   *[staff] employé
}
farm-status-name = { $status ->
    [active] active
    [pending] en attente
   *[suspended] suspendue
}
farm-all = Toutes vos fermes
farm-status = Statut
farm-your-role = Votre rôle
farm-pending = Un administrateur n’a pas encore approuvé cette ferme. D’ici là, vous achetez en tant que consommateur.
farm-members = Membres
farm-you = (vous)
farm-role-of = Rôle de { $name }
farm-change-role = Changer le rôle
remove-named = Retirer { $name }
farm-step-down = et devenir moi-même gérant
farm-make-owner = Nommer { $name } propriétaire
farm-invite = Inviter quelqu’un
farm-role = Rôle
farm-send-invitation = Envoyer l’invitation
farm-open-invitations = Invitations en cours
farm-no-invitations = Aucune invitation en cours.
farm-until = jusqu’au { $when }
farm-withdraw = Retirer
farm-apps = Applications
farm-no-apps = Aucune application n’appartient encore à cette ferme.
farm-apps-explain = Vos développeurs enregistrent les applications de { $farm } (enregistrement dynamique de clients OAuth 2.0) avec un jeton d’enregistrement. Les personnes qui s’y connectent verront que { $farm } les a conçues.
farm-get-token = Obtenir un jeton d’enregistrement pour { $farm }
farm-leave = Quitter
farm-leave-named = Quitter { $farm }
invitation-join = Rejoindre { $farm }
invitation-lead = Vous êtes invité à rejoindre { $farm }
invitation-lead-role = en tant que { $role }. L’invitation est destinée à { $email }.
invitation-sign-in = Connectez-vous avec le compte de cette adresse, ou créez-en un avec elle.
invitation-confirm-first = Confirmez d’abord votre adresse e-mail : suivez le lien que nous avons envoyé à { $email }, et vous reviendrez ici.
invitation-other-account = Vous êtes connecté en tant que { $name }, dont l’adresse e-mail n’est pas celle qui a été invitée. Déconnectez-vous, puis connectez-vous ou créez un compte avec { $email }.
token-title = Jeton d’enregistrement
token-heading = Jeton d’enregistrement pour { $vendor }
token-lead = Vos développeurs l’utilisent une fois pour enregistrer l’une de vos applications. Les personnes qui se connectent à cette application verront que { $vendor } l’a conçue.
token-token = Jeton
token-expires = Expire le
token-endpoint = Point d’enregistrement
token-copy-now = Copiez le jeton maintenant : il n’est affiché qu’une seule fois.

## Passwords, addresses and second factors

forgot-title = Mot de passe oublié
forgot-lead = Saisissez l’adresse e-mail de votre compte : nous vous enverrons un lien pour choisir un nouveau mot de passe.
forgot-submit = M’envoyer un lien
back-to-sign-in = Retour à la connexion
reset-title = Choisissez un nouveau mot de passe
field-new-password = Nouveau mot de passe
reset-help = Au moins 8 caractères ; une phrase de quelques mots est facile à retenir et difficile à deviner. Toutes les sessions de votre compte seront fermées.
reset-submit = Enregistrer le nouveau mot de passe
verify-title = Confirmez votre adresse e-mail
verify-lead = Un clic, et votre adresse est confirmée.
verify-submit = Confirmer mon adresse
review-title = Vérifiez vos moyens de connexion
review-lead = Votre mot de passe a été changé et toutes les sessions de votre compte ont été fermées.
review-none-left = Il ne reste aucun moyen de connexion ajouté au cours des { $days } derniers jours.
review-explain = Ces moyens de connexion ont été ajoutés à votre compte au cours des { $days } derniers jours. Si vous n’en avez pas ajouté un vous-même, retirez-le : la personne qui connaissait votre ancien mot de passe l’a peut-être ajouté pour revenir.
added-on = Ajouté le { $when }
review-continue = Continuer vers la connexion
review-factor-app = Une application d’authentification
review-factor-codes = De nouveaux codes de secours
review-factor-passkey = La clé d’accès « { $name } »
review-factor-provider = La connexion avec { $provider }
codes-title = Vos codes de secours
codes-lead = Conservez-les en lieu sûr. Chacun vous connecte une fois si vous perdez votre téléphone. C’est la seule fois que nous les affichons.
codes-saved = Je les ai enregistrés
totp-title = Configurer une application d’authentification
totp-lead = Scannez ce code avec votre application d’authentification, puis saisissez le code à 6 chiffres qu’elle affiche.
totp-qr-label = Code QR pour votre application d’authentification
totp-cannot-scan = Impossible de le scanner ? Saisissez cette clé dans votre application (basée sur le temps, 6 chiffres, 30 secondes) :
totp-password-manager = Ou donnez cette adresse à votre gestionnaire de mots de passe :
totp-code-label = Code de l’application
totp-submit = Activer la connexion en deux étapes
totp-not-now = Plus tard

## The account page

account-title = Votre compte
account-display-name = Nom affiché
account-display-name-none = aucun ; les applications voient votre nom d’utilisateur
account-confirmed = confirmée
account-not-confirmed = non confirmée
account-send-confirmation = Envoyer un nouveau lien de confirmation
account-profile = Nom et adresse e-mail
account-display-name-help = Le nom que vous donnent les applications autorisées à voir votre profil. Laissez-le vide pour afficher votre nom d’utilisateur.
account-save-name = Enregistrer le nom affiché
account-new-email = Nouvelle adresse e-mail
account-new-email-help = Nous envoyons un lien à la nouvelle adresse ; votre adresse change quand vous le suivez. Votre adresse actuelle est prévenue et peut annuler le changement pendant 7 jours.
account-current-password = Mot de passe actuel
account-or-code = Ou un code de votre application d’authentification
account-change-email = Changer d’adresse e-mail
account-new-password-help = Au moins 8 caractères. Vos autres sessions seront fermées.
account-end-grants = Déconnecter aussi les applications qui peuvent modifier votre compte
account-change-password = Changer le mot de passe
account-two-step = Connexion en deux étapes
account-totp-on = { $n ->
    [one] Une application d’authentification est configurée. Il vous reste { $n } code de secours inutilisé.
   *[other] Une application d’authentification est configurée. Il vous reste { $n } codes de secours inutilisés.
}
account-codes-password = Mot de passe, pour créer de nouveaux codes de secours
account-make-codes = Créer de nouveaux codes de secours
account-disable-password = Mot de passe, pour retirer l’application d’authentification
account-disable-totp = Retirer l’application d’authentification
account-totp-off = Demandez un code d’une application d’authentification après votre mot de passe : un mot de passe volé ne suffira plus.
account-totp-password = Mot de passe, pour configurer une application d’authentification
account-passkeys = Clés d’accès
account-no-passkeys = Aucune clé d’accès pour l’instant. Une clé d’accès vous connecte avec le verrouillage d’écran de votre appareil, sans mot de passe.
account-last-used = dernière utilisation : { $when }
account-never = jamais
account-remove-password = Mot de passe, pour retirer { $name }
account-passkey-name = Nom de la nouvelle clé d’accès
account-passkey-default = Ma clé d’accès
account-passkey-password = Mot de passe, pour ajouter une clé d’accès
account-add-passkey = Ajouter une clé d’accès
account-passkey-js = L’ajout d’une clé d’accès nécessite JavaScript.
account-sessions = Où vous êtes connecté
account-this-browser = ce navigateur
account-started = ouverte le { $when }
account-last-seen = dernière activité : { $when }
account-unknown = inconnue
account-unknown-device = Appareil inconnu
account-sign-out-here = Se déconnecter ici
account-end-session = Fermer cette session
account-end-others = Fermer toutes les autres sessions
account-apps = Applications connectées
account-no-apps = Aucune application n’a accès à votre compte.
account-app-allowed = Autorisé : { $scopes }
account-app-since = depuis le { $when }
account-app-stays = reste connectée
account-revoke = Révoquer { $app }
account-data = Vos données
account-data-help = Un fichier JSON avec votre profil, vos fermes, vos moyens de connexion (noms et dates, jamais de secrets), vos sessions, vos applications connectées et les événements de sécurité récents.
account-download = Télécharger vos données
account-delete-help = Supprimer votre compte vous déconnecte partout, déconnecte toutes les applications et retire vos moyens de connexion. C’est irréversible. Si vous êtes le dernier propriétaire d’une ferme, cédez-la d’abord.
account-delete-password = Mot de passe, pour supprimer votre compte
account-delete-confirm = Oui, supprimer mon compte et tout son contenu
account-delete = Supprimer mon compte
account-admin = Ouvrir la console d’administration

## Mail (a mail is in the language of the request that caused it)

mail-hello = Bonjour { $name },
mail-your-code = Votre code :
mail-copy-link = Si le bouton ne fonctionne pas, copiez cette adresse dans votre navigateur :
mail-code-subject = Votre code de connexion
mail-code-intro = Quelqu’un (vous, nous l’espérons) a demandé à se connecter à votre compte avec un code. Saisissez-le sur la page qui l’a demandé ; il ne sert qu’une fois, pendant 10 minutes.
mail-code-closing = Si vous n’êtes pas à l’origine de cette demande, ignorez ce message : personne ne peut se connecter sans le code, et votre mot de passe ne change pas.
mail-verify-intro = Bienvenue sur Not Far(m) From Home. Veuillez confirmer qu’il s’agit bien de votre adresse e-mail ; le lien est valable 24 heures.
mail-verify-closing = Si vous n’avez pas créé de compte, ignorez ce message : rien ne se passera.
mail-reset-subject = Réinitialisez votre mot de passe
mail-reset-intro = Quelqu’un (vous, nous l’espérons) a demandé à réinitialiser le mot de passe de votre compte. Le lien ne sert qu’une fois, pendant 30 minutes.
mail-reset-closing = Si vous n’êtes pas à l’origine de cette demande, ignorez ce message : votre mot de passe ne change pas.
mail-undo-reset-intro = Le changement de votre adresse e-mail a été annulé et toutes les sessions ont été fermées. Choisissez dès maintenant un nouveau mot de passe : la personne qui a changé l’adresse connaît peut-être l’ancien. Le lien ne sert qu’une fois, pendant 30 minutes.
mail-undo-reset-closing = Si le lien expire, demandez-en un nouveau avec « Mot de passe oublié ? » sur la page de connexion.
mail-notice-subject = Un changement dans votre façon de vous connecter
mail-notice-link = Ouvrir mon compte
mail-notice-closing = Nous envoyons ce message chaque fois qu’un moyen de connexion ou le mot de passe de votre compte change.
mail-notice-if-not-you = Si c’était vous, vous n’avez rien à faire. Sinon, changez votre mot de passe dès maintenant et vérifiez les sessions et les moyens de connexion sur la page de votre compte.
mail-notice-totp-on = Une application d’authentification a été configurée pour la connexion en deux étapes de votre compte.
mail-notice-totp-off = L’application d’authentification a été retirée de votre compte, avec ses codes de secours.
mail-notice-codes = De nouveaux codes de secours ont été créés pour votre compte ; les anciens ne fonctionnent plus.
mail-notice-reset = Le mot de passe de votre compte a été réinitialisé avec un lien envoyé par e-mail, et toutes les sessions et applications ont été déconnectées.
mail-notice-review-totp = L’application d’authentification a été retirée de votre compte, avec ses codes de secours, après une réinitialisation du mot de passe.
mail-notice-review-codes = Les codes de secours de votre compte ont été retirés après une réinitialisation du mot de passe.
mail-notice-review-passkey = Une clé d’accès a été retirée de votre compte après une réinitialisation du mot de passe.
mail-notice-review-provider = Un fournisseur a été délié de votre compte après la réinitialisation du mot de passe.
mail-notice-password = Le mot de passe de votre compte a été changé et ses autres sessions ont été fermées.
mail-notice-password-grants = Le mot de passe de votre compte a été changé ; ses autres sessions, ainsi que les applications qui pouvaient modifier votre compte, ont été déconnectées.
mail-passkey-added = Une clé d’accès nommée « { $name } » a été ajoutée à votre compte ; elle permet de se connecter sans mot de passe.
mail-upstream-linked = La connexion avec { $provider } a été liée à votre compte ; elle permet de se connecter sans mot de passe.
mail-upstream-unlinked = La connexion avec { $provider } a été retirée de votre compte.
mail-notice-passkey-removed = Une clé d’accès a été retirée de votre compte.
mail-change-subject = Confirmez votre nouvelle adresse e-mail
mail-change-intro = Vous avez demandé à utiliser cette adresse pour votre compte Not Far(m) From Home. Suivez le lien pour effectuer le changement ; il ne sert qu’une fois, pendant une heure.
mail-change-link = Utiliser cette adresse
mail-change-closing = Si vous n’êtes pas à l’origine de cette demande, ignorez ce message : rien ne change.
mail-taken-subject = Cette adresse e-mail a déjà un compte
mail-there = à vous
mail-taken-intro = Quelqu’un a demandé à transférer un compte Not Far(m) From Home vers cette adresse, mais elle appartient déjà à un compte : rien n’a donc été changé. Si c’était vous, connectez-vous plutôt au compte auquel appartient cette adresse.
mail-taken-closing = Si vous n’êtes pas à l’origine de cette demande, ignorez ce message.
mail-changed-subject = L’adresse e-mail de votre compte a été changée
mail-changed-intro = L’adresse e-mail de votre compte Not Far(m) From Home a été changée, et le courrier part désormais vers la nouvelle adresse. Si c’était vous, vous n’avez rien à faire. Sinon, suivez le lien dans les 7 jours : il rétablit cette adresse, ferme toutes les sessions et déconnecte toutes les applications, puis vous demande un nouveau mot de passe.
mail-changed-link = Annuler le changement et sécuriser mon compte
mail-changed-closing = Nous envoyons ce message à votre adresse précédente chaque fois que l’adresse de votre compte change.
mail-invited-by = { $name } vous invite à rejoindre la ferme « { $farm } » sur Not Far(m) From Home
mail-invited = Vous êtes invité à rejoindre la ferme « { $farm } » sur Not Far(m) From Home
mail-invitation-intro = en tant que { $role ->
        [owner] propriétaire
        [manager] gérant
       *[staff] employé
    }. Suivez le lien pour accepter ; si vous n’avez pas encore de compte, vous pourrez en créer un avec cette adresse. Le lien ne sert qu’une fois, pendant { $days ->
        [one] { $days } jour
       *[other] { $days } jours
    }.
mail-invitation-subject = Rejoignez { $farm } sur Not Far(m) From Home
mail-invitation-link = Voir l’invitation
mail-invitation-closing = Si vous ne connaissez pas cette ferme, ignorez ce message : rien ne se passera.

## Page messages, notices and form complaints written in Rust (found by their English text)

page-a-parameter-is-given-more-than = Un paramètre est donné plus d’une fois.
page-administer-the-platform-as-you-people = Administrer la plateforme en votre nom : personnes, applications et clés (administrateurs uniquement)
page-an-authenticator-app-is-already-set = Une application d’authentification est déjà configurée.
page-another-account-started-using-that-address = Un autre compte a commencé à utiliser cette adresse après l’envoi du lien : rien n’a donc été changé.
page-ask-for-a-new-link = Demander un nouveau lien
page-check-your-email = Consultez vos e-mails
page-choose-allow-or-deny = Choisissez Autoriser ou Refuser.
page-confirmation-links-work-once-for-24 = Les liens de confirmation ne servent qu’une fois, pendant 24 heures. Connectez-vous et demandez-en un nouveau sur la page de votre compte.
page-create-a-new-account = Créer un nouveau compte
page-enter-the-email-address-of-your = Saisissez l’adresse e-mail de votre compte.
page-every-session-of-your-account-was = Toutes les sessions de votre compte ont été fermées et les applications devront redemander l’accès. Connectez-vous avec votre nouveau mot de passe.
page-for-your-safety-forms-can-only = Pour votre sécurité, les formulaires ne peuvent être envoyés que depuis la page que nous vous avons donnée. Revenez en arrière, rechargez la page et réessayez.
page-go-to-your-account = Aller à votre compte
page-if-an-account-has-that-address = Si un compte a cette adresse, nous lui avons envoyé un lien pour choisir un nouveau mot de passe (trois par heure au plus). Le lien ne sert qu’une fois, pendant 30 minutes. Rien reçu ? Regardez dans vos courriers indésirables, ou redemandez dans quelques minutes.
page-invitations-work-once-for-a-limited = Les invitations ne servent qu’une fois, pendant un temps limité, et peuvent être retirées. Demandez-en une nouvelle à la ferme.
page-it-was-completed-already-or-it = Elle a déjà abouti, ou elle a attendu trop longtemps. Retournez à l’application et recommencez.
page-keep-access-when-you-are-not = Garder l’accès quand vous ne l’utilisez pas, jusqu’à ce que vous la déconnectiez depuis votre compte
page-know-who-you-are-when-you = Savoir qui vous êtes quand vous vous connectez
page-links-we-send-by-email-work = Les liens que nous envoyons par e-mail ne servent qu’une fois et pendant peu de temps. Demandez-en un nouveau.
page-links-we-send-by-email-work-2 = Les liens que nous envoyons par e-mail ne servent qu’une fois et pendant peu de temps.
page-mail-about-your-account-now-goes = Les e-mails concernant votre compte partent désormais vers la nouvelle adresse, qui est confirmée.
page-manage-how-you-sign-in-your = Gérer votre façon de vous connecter : votre mot de passe, la connexion en deux étapes et les sessions
page-no-authenticator-app-is-set-up = Aucune application d’authentification n’est configurée.
page-not-found = Introuvable
page-nothing-was-shared-you-can-go = Rien n’a été partagé. Vous pouvez retourner à votre appareil.
page-one-click-and-this-becomes-the = Un clic, et cette adresse devient l’adresse e-mail de votre compte.
page-page-not-found = Page introuvable
page-passkeys-are-not-available-on-this = Les clés d’accès ne sont pas disponibles sur ce serveur.
page-please-go-back-to-the-application = Veuillez retourner à l’application et réessayer.
page-please-try-again-in-a-moment = Veuillez réessayer dans un instant.
page-see-the-farms-you-work-for = Voir les fermes pour lesquelles vous travaillez et votre rôle dans chacune
page-see-whether-you-are-a-consumer = Voir si vous êtes consommateur, agriculteur ou administrateur
page-see-your-email-address-and-whether = Voir votre adresse e-mail et si elle est confirmée
page-see-your-username = Voir votre nom d’utilisateur
page-sign-in-again = Se reconnecter
page-sign-in-first = Connectez-vous d’abord.
page-sign-in-with-your-password-first = Connectez-vous d’abord avec votre mot de passe.
page-something-is-wrong-with-this-request = Cette demande présente un problème
page-something-went-wrong-on-our-side = Un problème est survenu de notre côté
page-start-again-that-request-expired = Recommencez : cette demande a expiré.
page-temporarily-unavailable = Temporairement indisponible
page-thank-you-apps-you-allow-to = Merci. Les applications autorisées à voir votre adresse e-mail la verront désormais comme confirmée.
page-that-address-belongs-to-another-account = Cette adresse appartient à un autre compte
page-that-app-had-no-access-to = Cette application n’avait aucun accès à révoquer.
page-that-code-has-expired-ask-for = Ce code a expiré. Demandez-en un nouveau.
page-that-code-is-not-valid-or = Ce code n’est pas valide ou a expiré.
page-that-passkey-could-not-be-verified = Cette clé d’accès n’a pas pu être vérifiée. Réessayez.
page-that-passkey-response-is-malformed = La réponse de cette clé d’accès est mal formée.
page-that-passkey-was-already-gone = Cette clé d’accès avait déjà disparu.
page-that-request-is-too-large = Cette demande est trop volumineuse.
page-that-session-had-already-ended = Cette session était déjà terminée.
page-that-session-is-signed-out = Cette session est fermée.
page-that-sign-in-method-is-not = Ce moyen de connexion n’existe plus.
page-the-apps-access-is-revoked-it = L’accès de l’application est révoqué. Elle devra vous le redemander.
page-the-authenticator-app-and-its-recovery = L’application d’authentification et ses codes de secours sont retirés.
page-the-change-is-undone = Le changement est annulé
page-the-farm-has-a-new-owner = La ferme a un nouveau propriétaire.
page-the-form-could-not-be-read = Le formulaire n’a pas pu être lu.
page-the-form-has-a-field-more = Le formulaire contient un champ en double.
page-the-form-is-too-large = Le formulaire est trop volumineux.
page-the-form-was-not-sent-as = Le formulaire n’a pas été envoyé comme un formulaire web.
page-the-invitation-is-withdrawn-its-link = L’invitation est retirée : son lien ne fonctionne plus.
page-the-member-is-removed = Le membre est retiré.
page-the-passkey-is-removed = La clé d’accès est retirée.
page-the-request-body-could-not-be = Le corps de la demande n’a pas pu être lu.
page-the-request-could-not-be-read = La demande n’a pas pu être lue.
page-the-request-is-too-large = La demande est trop volumineuse.
page-the-request-was-not-sent-as = La demande n’a pas été envoyée comme un formulaire web.
page-the-role-is-changed = Le rôle est changé.
page-there-is-nothing-at-this-address = Il n’y a rien à cette adresse.
page-there-is-nothing-here-by-that = Il n’y a rien ici sous ce nom. Il a peut-être été supprimé.
page-there-were-no-other-sessions = Il n’y avait pas d’autres sessions.
page-this-form-has-expired = Ce formulaire a expiré
page-this-invitation-does-not-work-any = Cette invitation ne fonctionne plus
page-this-link-does-not-work-any = Ce lien ne fonctionne plus
page-this-puts-your-previous-address-back = Cela rétablit votre adresse précédente, ferme toutes les sessions et déconnecte toutes les applications, puis vous demande de choisir un nouveau mot de passe avec un lien envoyé à cette adresse.
page-this-sign-in-request-has-expired = Cette demande de connexion a expiré
page-tick-the-box-to-say-you = Cochez la case pour confirmer que vous voulez supprimer votre compte.
page-to-go-on-sign-in-again = Pour continuer, reconnectez-vous avec votre mot de passe et votre deuxième étape.
page-sign-in-again-no-password = Pour continuer, reconnectez-vous : avec une clé d’accès, un code par e-mail ou un fournisseur.
page-too-many-requests-from-your-network = Trop de demandes depuis votre réseau
page-too-many-sign-ins-at-once = Trop de connexions en même temps
page-too-many-wrong-passwords-try-again = Trop de mots de passe incorrects. Réessayez plus tard.
page-undo-the-change-of-your-email = Annuler le changement de votre adresse e-mail
page-undo-the-change = Annuler le changement
page-unknown-sign-in-mode = Mode de connexion inconnu.
page-use-this-email-address = Utiliser cette adresse e-mail
page-we-are-very-busy-just-now = Nous sommes très sollicités en ce moment
page-we-cannot-process-this-sign-out = Nous ne pouvons pas traiter cette demande de déconnexion
page-we-cannot-reach-our-records-just = Nous ne pouvons pas accéder à nos données pour le moment. Veuillez réessayer dans quelques secondes.
page-we-cannot-sign-you-in-to = Nous ne pouvons pas vous connecter à cette application
page-we-could-not-check-your-password = Nous n’avons pas pu vérifier votre mot de passe pour le moment. Veuillez réessayer dans quelques secondes.
page-we-sent-a-link-to-the = Nous avons envoyé un lien à la nouvelle adresse. Votre adresse change quand vous le suivez (dans l’heure).
page-we-sent-a-new-confirmation-link = Nous avons envoyé un nouveau lien de confirmation. Il est valable 24 heures.
page-we-sent-three-links-this-hour = Nous avons déjà envoyé trois liens cette heure-ci. Utilisez l’un d’eux, ou réessayez plus tard.
page-you-are-signed-out = Vous êtes déconnecté
page-you-asked-to-change-your-address = Vous avez demandé à changer d’adresse trois fois cette heure-ci. Utilisez le dernier lien envoyé, ou réessayez plus tard.
page-you-can-go-back-to-your = Vous pouvez retourner à votre appareil.
page-you-cannot-accept-this-invitation = Vous ne pouvez pas accepter cette invitation
page-you-cannot-do-this-for-this = Vous ne pouvez pas faire cela pour cette ferme.
page-you-cannot-open-this-page = Vous ne pouvez pas ouvrir cette page
page-you-left-the-farm = Vous avez quitté la ferme.
page-your-account-asks-for-a-passkey = Votre compte demande une clé d’accès après le mot de passe, et les clés d’accès ne peuvent pas être utilisées à cette adresse du service. Vous n’êtes pas connecté. Connectez-vous là où les clés d’accès fonctionnent, ou configurez-y une application d’authentification pour l’utiliser ici aussi.
page-your-account-is-deleted = Votre compte est supprimé
page-your-account-its-sign-in-methods = Votre compte, ses moyens de connexion, ses sessions et ses connexions aux applications ont disparu. Les applications que vous utilisiez peuvent garder ce qu’elles ont elles-mêmes enregistré ; demandez-leur de le supprimer.
page-your-current-password-is-not-right = Votre mot de passe actuel est incorrect.
page-your-device-is-connected = Votre appareil est connecté
page-your-device-was-not-connected = Votre appareil n’a pas été connecté
page-your-display-name-is-removed-apps = Votre nom affiché est retiré ; les applications voient votre nom d’utilisateur.
page-your-display-name-is-saved = Votre nom affiché est enregistré.
page-your-email-address-is-already-confirmed = Votre adresse e-mail est déjà confirmée.
page-your-email-address-is-changed = Votre adresse e-mail est changée
page-your-email-address-is-confirmed = Votre adresse e-mail est confirmée
page-your-other-session-is-signed-out = Votre autre session est fermée.
page-your-passkey-is-added = Votre clé d’accès est ajoutée.
page-your-password-is-changed = Votre mot de passe est changé
page-your-password-is-changed-your-other = Votre mot de passe est changé. Vos autres sessions ont été fermées.
page-your-previous-address-is-back-and = Votre adresse précédente est rétablie et toutes les sessions ont été fermées. Nous vous avons envoyé un lien pour choisir un nouveau mot de passe ; vous pourrez vous reconnecter une fois que ce sera fait.
page-your-second-step-cannot-be-used = Votre deuxième étape ne peut pas être utilisée ici
page-your-session-on-not-farm-from = Votre session Not Far(m) From Home est terminée dans ce navigateur.
page-too-many-wrong-codes = Trop de codes incorrects.
page-too-many-failed-sign-ins = Trop de connexions échouées pour ce compte ou depuis ce réseau.
page-too-many-codes = Trop de codes qui n’ont pas fonctionné.
page-password-unusable = Ce mot de passe ne peut pas être utilisé : { $why }.
page-new-password-unusable = Le nouveau mot de passe ne peut pas être utilisé : { $why }.
page-name-unusable = Ce nom ne peut pas être utilisé : { $why }.
page-last-owner = Vous êtes le dernier propriétaire de { $farms }. Cédez la ferme à quelqu’un d’autre (ou demandez à un administrateur) avant de supprimer votre compte.
page-invitation-sent = Nous avons envoyé une invitation à { $email }.
page-welcome-to-farm = Bienvenue dans { $farm }.
page-other-sessions-ended = { $n ->
    [one] Votre autre session ({ $n }) est fermée.
   *[other] Vos { $n } autres sessions sont fermées.
}
page-request-cannot-complete = La demande de l’application ne peut pas aboutir : { $why }.
consent-use-permission = Utiliser l’autorisation « { $scope } »

## Complaints of the domain about what a form holds (English text from Rust; i18n::sentence)

domain-that-username-or-email-is-already = Ce nom d’utilisateur ou cette adresse e-mail est déjà enregistré.
domain-choose-whether-you-join-as-a = Choisissez si vous vous inscrivez en tant que consommateur ou agriculteur.
domain-this-form-has-expired-please-check = Ce formulaire a expiré ; vérifiez ce que vous avez saisi et renvoyez-le.
domain-please-check-what-you-typed-and = Vérifiez ce que vous avez saisi et renvoyez le formulaire.
domain-username-must-be-3-to-64 = Le nom d’utilisateur doit compter de 3 à 64 lettres (a-z, A-Z), chiffres, « . », « _ » ou « - ».
domain-email-is-not-a-valid-address = L’adresse e-mail n’est pas valide.
domain-a-display-name-is-at-most = un nom affiché compte au plus 64 caractères
domain-a-display-name-cannot-hold-control = un nom affiché ne peut pas contenir de caractères de contrôle ou de sens du texte
domain-that-password-is-one-of-the = c’est l’un des mots de passe les plus courants ; choisissez-en un autre
domain-a-farm-keeps-at-least-one = Une ferme garde au moins un propriétaire : nommez d’abord un autre membre propriétaire.
domain-that-person-is-already-a-member = Cette personne est déjà membre de cette ferme.
domain-too-many-invitations-for-now-try = Trop d’invitations pour le moment : réessayez plus tard.
domain-this-invitation-is-not-valid-any = Cette invitation n’est plus valable.
domain-this-invitation-was-sent-to-another = Cette invitation a été envoyée à une autre adresse e-mail.
domain-confirm-your-email-address-first-with = Confirmez d’abord votre adresse e-mail avec le lien que nous vous avons envoyé.
domain-you-are-already-a-member-of = Vous êtes déjà membre de cette ferme.
domain-your-farm-role-does-not-allow = Votre rôle dans la ferme ne permet pas d’inviter avec ce rôle.
domain-only-owners-and-managers-withdraw-invitations = Seuls les propriétaires et les gérants retirent des invitations.
domain-your-farm-role-does-not-allow-2 = Votre rôle dans la ferme ne permet pas de retirer cette invitation.

## Words the pages' scripts show, and names of roles

passkey-failed = Un problème est survenu. Rechargez la page et réessayez.
passkey-cancelled = La demande de clé d’accès a été annulée ou a expiré.
passkey-exists = Cet appareil possède déjà une clé d’accès pour votre compte.
signup-checking = Vérification que vous êtes bien une personne…
role-name = { $role ->
    [consumer] consommateur
    [farmer] agriculteur
   *[admin] administrateur
}
domain-password-length = le mot de passe doit compter de 8 à 128 caractères

## Why an authorization request is answered here, and refusals of passkeys and tokens

page-the-request-has-too-many-parameters = La demande comporte trop de paramètres.
page-the-request-names-more-than-one = La demande désigne plus d’une application.
page-the-application-that-sent-you-here = L’application qui vous a envoyé ici n’est pas enregistrée chez nous.
page-the-address-the-application-asked-us = L’adresse vers laquelle l’application nous a demandé de vous renvoyer n’est pas enregistrée pour elle.
page-the-request-carries-more-than-one = La demande comporte plus d’une adresse de retour.
page-the-request-does-not-say-where = La demande n’indique pas où vous renvoyer (redirect_uri manque).
page-the-passkey-could-not-be-verified = la clé d’accès n’a pas pu être vérifiée
page-the-farm-is-not-active-it = la ferme n’est pas active : elle pourra enregistrer des applications une fois approuvée par la plateforme
page-no-such-farm = cette ferme n’existe pas

## Upstream sign-in providers

upstream-continue-with = Continuer avec { $provider }
upstream-account-link = Fournisseurs de connexion (Google et autres)
upstream-account-title = Fournisseurs de connexion
upstream-account-none = Aucun fournisseur n’est lié à votre compte.
upstream-linked-on = lié le { $when }
upstream-unlink = Délier { $provider }
upstream-prove-title = Liez votre compte
upstream-prove-heading = Vous avez déjà un compte
upstream-prove-lead = Un compte avec l’adresse { $email } existe.
upstream-prove-lead-end = Connectez-vous-y (avec son mot de passe, et sa deuxième étape s’il en a une) pour y lier { $provider } ; ensuite, { $provider } vous connectera.
upstream-prove-button = Se connecter pour lier
upstream-signup-lead-end = Choisissez le nom d’utilisateur de votre nouveau compte ; vous vous y connecterez avec { $provider }.
upstream-signup-unconfirmed = { $provider } n’a pas confirmé cette adresse : nous vous enverrons un lien pour la confirmer.
upstream-not-offered = Ce fournisseur n’est pas proposé.
upstream-sign-in-to-link = Reconnectez-vous pour lier un fournisseur.
upstream-linked = Le fournisseur est lié : vous pouvez désormais vous connecter avec lui.
upstream-taken = Ce compte du fournisseur est déjà lié à un autre compte ici, ou le vôtre est déjà lié à un autre compte de ce fournisseur.
upstream-unlinked = Le fournisseur est délié.
upstream-not-linked = Ce fournisseur n’est pas lié.
upstream-last-way-in = Ce fournisseur est votre seul moyen de connexion : définissez un mot de passe ou ajoutez une clé d’accès avant de le délier.
upstream-did-not-work = La connexion n’a pas abouti
upstream-expired-or-used = Cette connexion a expiré ou a déjà été utilisée. Recommencez.
upstream-other-browser = Cette connexion n’a pas commencé dans ce navigateur. Recommencez.
upstream-no-longer-offered = Ce fournisseur de connexion n’est plus proposé.
upstream-expired = Cette connexion a expiré. Recommencez.
upstream-address-taken = Cette adresse appartient à un compte
upstream-signup-lead = { $provider } vous a connecté en tant que { $email }.
upstream-link-legend = Lier un fournisseur
upstream-link-submit = Lier
upstream-unreachable = Nous n’avons pas pu joindre { $provider }. Réessayez dans un instant, ou connectez-vous autrement.
upstream-refused = { $provider } ne vous a pas connecté : sa réponse n’a pas pu être vérifiée. Réessayez, ou connectez-vous autrement.
upstream-stale = { $provider } a repris une connexion antérieure, mais cette étape en demande une faite maintenant. Reconnectez-vous là-bas, ou connectez-vous autrement.
upstream-address-unconfirmed = Un compte d’ici a l’adresse que { $provider } nous a donnée, mais ne l’a pas confirmée : nous ne pouvons donc pas les lier. Connectez-vous à votre compte, puis liez { $provider } depuis la page de votre compte.
upstream-unvouched = { $provider } nous a donné une adresse mais ne la garantit pas : nous ne pouvons donc ni créer ni lier de compte avec elle. Inscrivez-vous ou connectez-vous ici d’abord, puis liez { $provider } depuis la page de votre compte.
upstream-no-address = { $provider } ne nous a pas donné d’adresse e-mail : nous ne pouvons donc pas vous créer de compte. Inscrivez-vous avec une adresse e-mail.

# The passkey offered right after sign-up (account and consent pages).
passkey-offer-heading = Ajouter une clé d’accès maintenant ?
passkey-offer-text = La prochaine fois, connectez-vous avec le verrouillage d’écran, l’empreinte ou le visage de cet appareil au lieu de votre mot de passe.
passkey-offer-add = Oui, ajouter une clé d’accès

# An account without a password (decision 151).
account-remove-password-help = Vous pouvez vous connecter sans mot de passe : avec une clé d’accès ou un code envoyé à votre adresse. Pour supprimer votre mot de passe, saisissez-le encore une fois.
account-remove-my-password = Supprimer mon mot de passe
account-no-password = Votre compte n’a pas de mot de passe : vous vous connectez avec une clé d’accès ou un code par e-mail.
account-set-password = Définir un mot de passe
account-no-password-proof = Sans mot de passe, vous confirmez que c’est bien vous en vous reconnectant avant de changer votre adresse, d’ajouter ou de retirer une clé d’accès, de lier un fournisseur ou de supprimer le compte. Une connexion vaut pendant cinq minutes.
account-sign-in-again = Se reconnecter
account-sign-in-again-first = Pour confirmer que c’est bien vous, reconnectez-vous, puis faites le changement dans les cinq minutes.
account-reset-first = Choisissez d’abord un mot de passe : nous vous avons envoyé un lien par e-mail. S’il a expiré, utilisez « Mot de passe oublié ? » sur la page de connexion.
passkey-last-way-in = Cette clé d’accès est votre seul moyen d’accéder à votre compte : définissez un mot de passe ou confirmez votre adresse avant de la retirer.
page-no-password = Votre compte n’a pas de mot de passe.
page-password-last-way-in = Ajoutez d’abord une clé d’accès ou confirmez votre adresse e-mail : sans mot de passe, il vous faut un autre moyen de vous connecter.
page-password-removed = Votre mot de passe est supprimé. Connectez-vous avec une clé d’accès ou un code par e-mail.
mail-notice-password-removed = Le mot de passe de votre compte a été supprimé : il se connecte désormais avec une clé d’accès ou un code par e-mail.
