# The words of farm-auth's pages and mail, in English (the default language).
# Every message here exists in every other language (tests: i18n::catalogue).

## Shared

brand = Not Far(m) From Home
base-footer = Fresh from local farms, straight to you. Signing in here keeps your account safe across the marketplace and its partner apps.
continue = Continue
field-username = Username
field-password = Password
field-email = Email
field-email-address = Email address
signed-in-as = Signed in as { $name }.
decision-allow = Allow
decision-deny = Deny
flow-continue = to continue to { $app }
flow-continue-vendor = to continue to { $app }, made by { $vendor }, not by Not Far(m) From Home
flow-continue-outside = to continue to { $app }, made by an outside developer, not by Not Far(m) From Home
vendor-note = { $app } is made by { $vendor }, an outside vendor, not by Not Far(m) From Home. Allow it only if you trust them.
vendor-note-outside = { $app } is made by an outside developer, not by Not Far(m) From Home. Allow it only if you trust them.

## Sign in and sign up

login-title = Sign in
login-submit = Sign in
login-passkey = Sign in with a passkey
login-email-code = Email me a sign-in code instead
login-forgot = Forgot your password?
login-new-here = New here?
login-create-account = Create an account
signup-title = Create your account
signup-username-help = 3 to 64 letters (a to z), digits, dots, dashes or underscores.
signup-password-help = At least 8 characters. A long phrase you remember is best; very common passwords are refused.
signup-joining-as = I am joining as
signup-role-consumer = a consumer, to buy from local farms
signup-role-farmer = a farmer, to sell my produce
signup-farm-name = Farm name (if you join as a farmer)
signup-farm-help = The farm you sell for. An administrator approves it before you can sell; you shop as a consumer until then.
signup-trap = Leave this field empty
signup-submit = Create account
signup-submit-no-password = Create account without a password
signup-no-password-help = Without a password, you sign in with a passkey (offered next) or a code sent to your address once you have confirmed it.
signup-have-account = Already have an account?

## Second factor

second-title = Confirm it is you
second-lead-code = Your code was right. One more step keeps your account yours.
second-lead-password = Your password was right. One more step keeps your account yours.
second-totp-label = Code from your authenticator app
second-confirm = Confirm
second-passkey = Use a passkey
second-lost-phone = Lost your phone? Use a recovery code
second-recovery-label = Recovery code
second-recovery-help = One of the ten codes you saved when you set up the app. Each works once.
second-recovery-submit = Use recovery code
second-start-again = Start again

## Sign-in codes by mail

code-title = Sign in with a code
code-lead = Enter the confirmed email address of your account and we will mail you a code to sign in with, instead of your password.
code-submit = Email me a code
code-use-password = Sign in with your password
code-verify-title = Enter your code
code-verify-lead = If an account has the confirmed address { $email }, we mailed it a code. It works once, in this browser, for 10 minutes.
code-verify-label = Code from the email
code-send-another = Send another code

## Consent and devices

consent-title = Allow access
consent-heading = Allow { $app } to access your account?
consent-will-be-able = If you allow it, { $app } will be able to:
consent-never-password = It will never see your password.
device-title = Connect a device
device-lead = Enter the code your TV, speaker or app shows you.
device-code-label = Code shown on your device
device-code-help = Eight letters. Dashes and spaces do not matter.
device-warning = Only enter a code from a device you are holding or looking at. Nobody from Not Far(m) From Home will ever ask you for one.
device-confirm-title = Connect { $app }?
device-confirm-heading = Connect { $app } to your account?
device-confirm-check = Check that your device shows this code:
device-confirm-code-label = Code { $code }
device-confirm-different = If the code is different, or someone else gave you this code, choose Deny.

## Signing out and returning to an application

logout-title = Sign out
logout-heading = Sign out?
logout-signed-in-as = You are signed in as { $name }.
logout-asked-by = { $app } asked to sign you out.
logout-explain = Signing out ends your session on Not Far(m) From Home in this browser.
return-leads-back = The button below leads back to { $app }, at
return-leads-back-end = . Follow it only if you meant to use that application.
return-button = Return to { $app }
form-post-title = Returning to the application
form-post-lead = Returning you to the application…

## Refusals and page errors (Rust code writes these in English; decision 144)

try-again-seconds = { $n ->
    [one] Try again in a second.
   *[other] Try again in { $n } seconds.
}
try-again-minutes = { $n ->
    [one] Try again in a minute.
   *[other] Try again in { $n } minutes.
}
err-too-many-attempts = Too many failed attempts.
err-nothing-done = Nothing was done.
err-wrong-credentials = The username or password is wrong.
err-account-locked = This account is locked. If you think this is a mistake, contact Not Far(m) From Home's support.
err-reset-required = You need to choose a new password before you sign in: we emailed you a link. If it has expired, use “Forgot your password?” below.
err-factor-unavailable = Your second step cannot be used at this address of the service.
err-wrong-code = That code is not right. Check it and try again.
err-not-enrolled = Use another way to confirm it is you.
err-sign-in-again = Sign in again.

## Farms

farms-title = Your farms
back-to-account = Back to your account
farms-none = You are not a member of any farm. A farm's owner or manager can invite you by email.
farm-role-name = { $role ->
    [owner] owner
    [manager] manager
   *[staff] staff
}
farm-status-name = { $status ->
    [active] active
    [pending] pending
   *[suspended] suspended
}
farm-all = All your farms
farm-status = Status
farm-your-role = Your role
farm-pending = An administrator has not approved this farm yet. Until then you shop as a consumer.
farm-members = Members
farm-you = (you)
farm-role-of = Role of { $name }
farm-change-role = Change role
remove-named = Remove { $name }
farm-step-down = and become a manager myself
farm-make-owner = Make { $name } owner
farm-invite = Invite someone
farm-role = Role
farm-send-invitation = Send invitation
farm-open-invitations = Open invitations
farm-no-invitations = No open invitations.
farm-until = until { $when }
farm-withdraw = Withdraw
farm-apps = Apps
farm-no-apps = No apps belong to this farm yet.
farm-apps-explain = Your developers register { $farm }'s apps (OAuth 2.0 Dynamic Client Registration) with a registration token. People who sign in to them will see that { $farm } made them.
farm-get-token = Get a registration token for { $farm }
farm-leave = Leave
farm-leave-named = Leave { $farm }
invitation-join = Join { $farm }
invitation-lead = You are invited to join { $farm }
invitation-lead-role = as { $role }. The invitation is for { $email }.
invitation-sign-in = Sign in with the account of that address, or create one with it.
invitation-confirm-first = Confirm your email address first: follow the link we mailed to { $email }, and you will come back here.
invitation-other-account = You are signed in as { $name }, whose email address is not the invited one. Sign out, then sign in or create an account with { $email }.
token-title = Registration token
token-heading = Registration token for { $vendor }
token-lead = Your developers use it once to register one of your apps. People who sign in to that app will see that { $vendor } made it.
token-token = Token
token-expires = Expires
token-endpoint = Registration endpoint
token-copy-now = Copy the token now: it is shown only this once.

## Passwords, addresses and second factors

forgot-title = Forgot your password
forgot-lead = Enter the email address of your account and we will send you a link to choose a new password.
forgot-submit = Send me a link
back-to-sign-in = Back to sign in
reset-title = Choose a new password
field-new-password = New password
reset-help = At least 8 characters; a passphrase of a few words is easy to remember and hard to guess. Every session of your account will be signed out.
reset-submit = Set new password
verify-title = Confirm your email address
verify-lead = One click and your address is confirmed.
verify-submit = Confirm my address
review-title = Check how you sign in
review-lead = Your password is changed, and every session of your account was signed out.
review-none-left = No sign-in method added in the last { $days } days is left.
review-explain = These sign-in methods were added to your account in the last { $days } days. If you did not add one yourself, remove it: whoever knew your old password may have added it to get back in.
added-on = Added { $when }
review-continue = Continue to sign in
review-factor-app = An authenticator app
review-factor-codes = New recovery codes
review-factor-passkey = The passkey “{ $name }”
review-factor-provider = Sign-in with { $provider }
codes-title = Your recovery codes
codes-lead = Keep these somewhere safe. Each one signs you in once if you lose your phone. This is the only time we show them.
codes-saved = I have saved them
totp-title = Set up an authenticator app
totp-lead = Scan this code with your authenticator app, then type the 6-digit code it shows.
totp-qr-label = QR code for your authenticator app
totp-cannot-scan = Cannot scan it? Enter this key in your app (time-based, 6 digits, 30 seconds):
totp-password-manager = Or give your password manager this address:
totp-code-label = Code from the app
totp-submit = Turn on two-step sign-in
totp-not-now = Not now

## The account page

account-title = Your account
account-display-name = Display name
account-display-name-none = none; apps see your username
account-confirmed = confirmed
account-not-confirmed = not confirmed
account-send-confirmation = Send a new confirmation link
account-profile = Name and email address
account-display-name-help = What apps you allow to see your profile call you. Leave it empty to show your username.
account-save-name = Save display name
account-new-email = New email address
account-new-email-help = We mail a link to the new address; your address changes when you follow it. Your current address is told, and can undo the change for 7 days.
account-current-password = Current password
account-or-code = Or a code from your authenticator app
account-change-email = Change email address
account-new-password-help = At least 8 characters. Your other sessions will be signed out.
account-end-grants = Also sign out apps that can change your account
account-change-password = Change password
account-two-step = Two-step sign-in
account-totp-on = { $n ->
    [one] An authenticator app is set up. You have { $n } unused recovery code.
   *[other] An authenticator app is set up. You have { $n } unused recovery codes.
}
account-codes-password = Password, to make new recovery codes
account-make-codes = Make new recovery codes
account-disable-password = Password, to remove the authenticator app
account-disable-totp = Remove authenticator app
account-totp-off = Ask for a code from an authenticator app after your password, so a stolen password is not enough.
account-totp-password = Password, to set up an authenticator app
account-passkeys = Passkeys
account-no-passkeys = No passkeys yet. A passkey signs you in with your device's screen lock, no password needed.
account-last-used = last used { $when }
account-never = never
account-remove-password = Password, to remove { $name }
account-passkey-name = Name for a new passkey
account-passkey-default = My passkey
account-passkey-password = Password, to add a passkey
account-add-passkey = Add a passkey
account-passkey-js = Adding a passkey needs JavaScript.
account-sessions = Where you are signed in
account-this-browser = this browser
account-started = started { $when }
account-last-seen = last seen { $when }
account-unknown = unknown
account-unknown-device = Unknown device
account-sign-out-here = Sign out here
account-end-session = End this session
account-end-others = Sign out all other sessions
account-apps = Connected apps
account-no-apps = No apps have access to your account.
account-app-allowed = Allowed: { $scopes }
account-app-since = since { $when }
account-app-stays = stays signed in
account-revoke = Revoke { $app }
account-data = Your data
account-data-help = A JSON file with your profile, farms, sign-in methods (names and dates, never secrets), sessions, connected apps and recent security events.
account-download = Download your data
account-delete-help = Deleting your account signs you out everywhere, disconnects every app and removes your sign-in methods. It cannot be undone. If you are the last owner of a farm, hand it over first.
account-delete-password = Password, to delete your account
account-delete-confirm = Yes, delete my account and everything in it
account-delete = Delete my account
account-admin = Open the administrator's console

## Mail (a mail is in the language of the request that caused it)

mail-hello = Hello { $name },
mail-your-code = Your code:
mail-copy-link = If the button does not work, copy this address into your browser:
mail-code-subject = Your sign-in code
mail-code-intro = Someone (we hope you) asked to sign in to your account with a code. Type it on the page that asked for it; it works once, for 10 minutes.
mail-code-closing = If you did not ask for this, ignore this message: nobody can sign in without the code, and your password stays as it is.
mail-verify-intro = Welcome to Not Far(m) From Home. Please confirm that this is your email address; the link works for 24 hours.
mail-verify-closing = If you did not create an account, ignore this message and nothing will happen.
mail-reset-subject = Reset your password
mail-reset-intro = Someone (we hope you) asked to reset the password of your account. The link works once, for 30 minutes.
mail-reset-closing = If you did not ask for this, ignore this message: your password stays as it is.
mail-undo-reset-intro = The change of your email address was undone and everyone was signed out. Choose a new password now: whoever changed the address may know the old one. The link works once, for 30 minutes.
mail-undo-reset-closing = If the link runs out, ask for a new one with “Forgot your password?” on the sign-in page.
mail-notice-subject = A change to how you sign in
mail-notice-link = Open my account
mail-notice-closing = We send this message whenever a sign-in method or the password of your account changes.
mail-notice-if-not-you = If this was you, there is nothing to do. If it was not, change your password now and check the sessions and sign-in methods on your account page.
mail-notice-totp-on = An authenticator app was set up for two-step sign-in on your account.
mail-notice-totp-off = The authenticator app was removed from your account, with its recovery codes.
mail-notice-codes = New recovery codes were made for your account; the old ones no longer work.
mail-notice-reset = The password of your account was reset with a link we mailed, and every session and app was signed out.
mail-notice-review-totp = The authenticator app was removed from your account, with its recovery codes, after a password reset.
mail-notice-review-codes = The recovery codes of your account were removed after a password reset.
mail-notice-review-passkey = A passkey was removed from your account after a password reset.
mail-notice-review-provider = A provider was unlinked from your account after a password reset.
mail-notice-password = The password of your account was changed, and its other sessions were signed out.
mail-notice-password-grants = The password of your account was changed; its other sessions, and the apps that could change your account, were signed out.
mail-passkey-added = A passkey named “{ $name }” was added to your account; it signs in without a password.
mail-upstream-linked = Sign-in with { $provider } was linked to your account; it signs in without a password.
mail-upstream-unlinked = Sign-in with { $provider } was removed from your account.
mail-notice-passkey-removed = A passkey was removed from your account.
mail-change-subject = Confirm your new email address
mail-change-intro = You asked to use this address for your account at Not Far(m) From Home. Follow the link to make the change; it works once, for one hour.
mail-change-link = Use this address
mail-change-closing = If you did not ask for this, ignore this message: nothing changes.
mail-taken-subject = This email address already has an account
mail-there = there
mail-taken-intro = Someone asked to move an account at Not Far(m) From Home to this address, but this address already belongs to an account, so nothing was changed. If that was you, sign in to the account this address belongs to instead.
mail-taken-closing = If you did not ask for this, ignore this message.
mail-changed-subject = The email address of your account was changed
mail-changed-intro = The email address of your account at Not Far(m) From Home was changed, and mail now goes to the new address. If this was you, there is nothing to do. If it was not, follow the link within 7 days: it puts this address back, signs out every session and app, and asks for a new password.
mail-changed-link = Undo the change and secure my account
mail-changed-closing = We send this message to your previous address whenever the address of your account changes.
mail-invited-by = { $name } invited you to join the farm “{ $farm }” on Not Far(m) From Home
mail-invited = You are invited to join the farm “{ $farm }” on Not Far(m) From Home
mail-invitation-intro = as { $role ->
        [owner] an owner
        [manager] a manager
       *[staff] a staff
    }. Follow the link to accept; if you have no account yet, you can create one there with this address. The link works once, for { $days } day(s).
mail-invitation-subject = Join { $farm } on Not Far(m) From Home
mail-invitation-link = See the invitation
mail-invitation-closing = If you do not know this farm, ignore this message and nothing will happen.

## Page messages, notices and form complaints written in Rust (found by their English text)

page-a-parameter-is-given-more-than = A parameter is given more than once.
page-administer-the-platform-as-you-people = Administer the platform as you: people, apps and keys (administrators only)
page-an-authenticator-app-is-already-set = An authenticator app is already set up.
page-another-account-started-using-that-address = Another account started using that address after the link was sent, so nothing was changed.
page-ask-for-a-new-link = Ask for a new link
page-check-your-email = Check your email
page-choose-allow-or-deny = Choose Allow or Deny.
page-confirmation-links-work-once-for-24 = Confirmation links work once, for 24 hours. Sign in and ask for a new one on your account page.
page-create-a-new-account = Create a new account
page-enter-the-email-address-of-your = Enter the email address of your account.
page-every-session-of-your-account-was = Every session of your account was signed out and apps must ask again. Sign in with your new password.
page-for-your-safety-forms-can-only = For your safety, forms can only be sent from the page we gave you. Go back, reload the page and try again.
page-go-to-your-account = Go to your account
page-if-an-account-has-that-address = If an account has that address, we sent it a link to choose a new password (at most three an hour). The link works once, for 30 minutes. Nothing arrived? Look in your spam folder, or ask again in a few minutes.
page-invitations-work-once-for-a-limited = Invitations work once, for a limited time, and can be withdrawn. Ask the farm for a new one.
page-it-was-completed-already-or-it = It was completed already, or it waited too long. Go back to the application and start again.
page-keep-access-when-you-are-not = Keep access when you are not using it, until you sign it out from your account
page-know-who-you-are-when-you = Know who you are when you sign in
page-links-we-send-by-email-work = Links we send by email work once and for a short time only. Ask for a new one.
page-links-we-send-by-email-work-2 = Links we send by email work once and for a short time only.
page-mail-about-your-account-now-goes = Mail about your account now goes to the new address, which is confirmed.
page-manage-how-you-sign-in-your = Manage how you sign in: your password, two-step sign-in and sessions
page-no-authenticator-app-is-set-up = No authenticator app is set up.
page-not-found = Not found
page-nothing-was-shared-you-can-go = Nothing was shared. You can go back to your device.
page-one-click-and-this-becomes-the = One click and this becomes the email address of your account.
page-page-not-found = Page not found
page-passkeys-are-not-available-on-this = Passkeys are not available on this server.
page-please-go-back-to-the-application = Please go back to the application and try again.
page-please-try-again-in-a-moment = Please try again in a moment.
page-see-the-farms-you-work-for = See the farms you work for and your role in each
page-see-whether-you-are-a-consumer = See whether you are a consumer, a farmer or an administrator
page-see-your-email-address-and-whether = See your email address and whether it is confirmed
page-see-your-username = See your username
page-sign-in-again = Sign in again
page-sign-in-first = Sign in first.
page-sign-in-with-your-password-first = Sign in with your password first.
page-something-is-wrong-with-this-request = Something is wrong with this request
page-something-went-wrong-on-our-side = Something went wrong on our side
page-start-again-that-request-expired = Start again: that request expired.
page-temporarily-unavailable = Temporarily unavailable
page-thank-you-apps-you-allow-to = Thank you. Apps you allow to see your email address will now see it as confirmed.
page-that-address-belongs-to-another-account = That address belongs to another account
page-that-app-had-no-access-to = That app had no access to revoke.
page-that-code-has-expired-ask-for = That code has expired. Ask for a new one.
page-that-code-is-not-valid-or = That code is not valid or has expired.
page-that-passkey-could-not-be-verified = That passkey could not be verified. Try again.
page-that-passkey-response-is-malformed = That passkey response is malformed.
page-that-passkey-was-already-gone = That passkey was already gone.
page-that-request-is-too-large = That request is too large.
page-that-session-had-already-ended = That session had already ended.
page-that-session-is-signed-out = That session is signed out.
page-that-sign-in-method-is-not = That sign-in method is not there any more.
page-the-apps-access-is-revoked-it = The app's access is revoked. It will have to ask you again.
page-the-authenticator-app-and-its-recovery = The authenticator app and its recovery codes are removed.
page-the-change-is-undone = The change is undone
page-the-farm-has-a-new-owner = The farm has a new owner.
page-the-form-could-not-be-read = The form could not be read.
page-the-form-has-a-field-more = The form has a field more than once.
page-the-form-is-too-large = The form is too large.
page-the-form-was-not-sent-as = The form was not sent as a web form.
page-the-invitation-is-withdrawn-its-link = The invitation is withdrawn: its link no longer works.
page-the-member-is-removed = The member is removed.
page-the-passkey-is-removed = The passkey is removed.
page-the-request-body-could-not-be = The request body could not be read.
page-the-request-could-not-be-read = The request could not be read.
page-the-request-is-too-large = The request is too large.
page-the-request-was-not-sent-as = The request was not sent as a web form.
page-the-role-is-changed = The role is changed.
page-there-is-nothing-at-this-address = There is nothing at this address.
page-there-is-nothing-here-by-that = There is nothing here by that name. It may have been deleted.
page-there-were-no-other-sessions = There were no other sessions.
page-this-form-has-expired = This form has expired
page-this-invitation-does-not-work-any = This invitation does not work any more
page-this-link-does-not-work-any = This link does not work any more
page-this-puts-your-previous-address-back = This puts your previous address back, signs out every session and app, and asks you to choose a new password with a link we mail to that address.
page-this-sign-in-request-has-expired = This sign-in request has expired
page-tick-the-box-to-say-you = Tick the box to say you want your account deleted.
page-to-go-on-sign-in-again = To go on, sign in again with your password and your second step.
page-sign-in-again-no-password = To go on, sign in again: with a passkey, a code by e-mail or a provider.
page-too-many-requests-from-your-network = Too many requests from your network
page-too-many-sign-ins-at-once = Too many sign-ins at once
page-too-many-wrong-passwords-try-again = Too many wrong passwords. Try again later.
page-undo-the-change-of-your-email = Undo the change of your email address
page-undo-the-change = Undo the change
page-unknown-sign-in-mode = Unknown sign-in mode.
page-use-this-email-address = Use this email address
page-we-are-very-busy-just-now = We are very busy just now
page-we-cannot-process-this-sign-out = We cannot process this sign-out request
page-we-cannot-reach-our-records-just = We cannot reach our records just now. Please try again in a few seconds.
page-we-cannot-sign-you-in-to = We cannot sign you in to this application
page-we-could-not-check-your-password = We could not check your password just now. Please try again in a few seconds.
page-we-sent-a-link-to-the = We sent a link to the new address. Your address changes when you follow it (within one hour).
page-we-sent-a-new-confirmation-link = We sent a new confirmation link. It works for 24 hours.
page-we-sent-three-links-this-hour = We sent three links this hour already. Please use one of those, or try again later.
page-you-are-signed-out = You are signed out
page-you-asked-to-change-your-address = You asked to change your address three times this hour. Please use the last link we sent, or try again later.
page-you-can-go-back-to-your = You can go back to your device.
page-you-cannot-accept-this-invitation = You cannot accept this invitation
page-you-cannot-do-this-for-this = You cannot do this for this farm.
page-you-cannot-open-this-page = You cannot open this page
page-you-left-the-farm = You left the farm.
page-your-account-asks-for-a-passkey = Your account asks for a passkey after the password, and passkeys cannot be used at this address of the service. You are not signed in. Sign in where passkeys work, or set up an authenticator app there to use here too.
page-your-account-is-deleted = Your account is deleted
page-your-account-its-sign-in-methods = Your account, its sign-in methods, sessions and app connections are gone. Apps you used may keep what they stored themselves; ask them to delete it.
page-your-current-password-is-not-right = Your current password is not right.
page-your-device-is-connected = Your device is connected
page-your-device-was-not-connected = Your device was not connected
page-your-display-name-is-removed-apps = Your display name is removed; apps see your username.
page-your-display-name-is-saved = Your display name is saved.
page-your-email-address-is-already-confirmed = Your email address is already confirmed.
page-your-email-address-is-changed = Your email address is changed
page-your-email-address-is-confirmed = Your email address is confirmed
page-your-other-session-is-signed-out = Your other session is signed out.
page-your-passkey-is-added = Your passkey is added.
page-your-password-is-changed = Your password is changed
page-your-password-is-changed-your-other = Your password is changed. Your other sessions were signed out.
page-your-previous-address-is-back-and = Your previous address is back and everyone was signed out. We mailed you a link to choose a new password; you can sign in again once you have.
page-your-second-step-cannot-be-used = Your second step cannot be used here
page-your-session-on-not-farm-from = Your session on Not Far(m) From Home has ended in this browser.
page-too-many-wrong-codes = Too many wrong codes.
page-too-many-failed-sign-ins = Too many failed sign-ins for this account or from this network.
page-too-many-codes = Too many codes that did not work.
page-password-unusable = This password cannot be used: { $why }.
page-new-password-unusable = The new password cannot be used: { $why }.
page-name-unusable = That name cannot be used: { $why }.
page-last-owner = You are the last owner of { $farms }. Hand the farm over to someone else (or ask an administrator) before you delete your account.
page-invitation-sent = We mailed an invitation to { $email }.
page-welcome-to-farm = Welcome to { $farm }.
page-other-sessions-ended = { $n ->
    [one] Your { $n } other session is signed out.
   *[other] Your { $n } other sessions are signed out.
}
page-request-cannot-complete = The application's request cannot be completed: { $why }.
consent-use-permission = Use the “{ $scope }” permission

## Complaints of the domain about what a form holds (English text from Rust; i18n::sentence)

domain-that-username-or-email-is-already = that username or email is already registered
domain-choose-whether-you-join-as-a = choose whether you join as a consumer or a farmer
domain-this-form-has-expired-please-check = this form has expired; please check what you typed and send it again
domain-please-check-what-you-typed-and = please check what you typed and send the form again
domain-username-must-be-3-to-64 = username must be 3 to 64 letters (a-z, A-Z), digits, '.', '_' or '-'
domain-email-is-not-a-valid-address = email is not a valid address
domain-a-display-name-is-at-most = a display name is at most 64 characters
domain-a-display-name-cannot-hold-control = a display name cannot hold control or text-direction characters
domain-that-password-is-one-of-the = that password is one of the most commonly used; choose another
domain-a-farm-keeps-at-least-one = a farm keeps at least one owner: make another member owner first
domain-that-person-is-already-a-member = that person is already a member of this farm
domain-too-many-invitations-for-now-try = too many invitations for now: try again later
domain-this-invitation-is-not-valid-any = this invitation is not valid any more
domain-this-invitation-was-sent-to-another = this invitation was sent to another email address
domain-confirm-your-email-address-first-with = confirm your email address first, with the link we mailed you
domain-you-are-already-a-member-of = you are already a member of this farm
domain-your-farm-role-does-not-allow = your farm role does not allow inviting as this role
domain-only-owners-and-managers-withdraw-invitations = only owners and managers withdraw invitations
domain-your-farm-role-does-not-allow-2 = your farm role does not allow withdrawing this invitation

## Words the pages' scripts show, and names of roles

passkey-failed = Something went wrong. Reload the page and try again.
passkey-cancelled = The passkey request was cancelled or timed out.
passkey-exists = This device already holds a passkey for your account.
signup-checking = Checking that you are a person…
role-name = { $role ->
    [consumer] consumer
    [farmer] farmer
   *[admin] admin
}
domain-password-length = password must be 8 to 128 characters

## Why an authorization request is answered here, and refusals of passkeys and tokens

page-the-request-has-too-many-parameters = The request has too many parameters.
page-the-request-names-more-than-one = The request names more than one application.
page-the-application-that-sent-you-here = The application that sent you here is not registered with us.
page-the-address-the-application-asked-us = The address the application asked us to send you back to is not registered for it.
page-the-request-carries-more-than-one = The request carries more than one return address.
page-the-request-does-not-say-where = The request does not say where to send you back (redirect_uri is missing).
page-the-passkey-could-not-be-verified = the passkey could not be verified
page-the-farm-is-not-active-it = the farm is not active: it can register apps once the platform approves it
page-no-such-farm = no such farm

## Upstream sign-in providers

upstream-continue-with = Continue with { $provider }
upstream-account-link = Sign-in providers (Google and others)
upstream-account-title = Sign-in providers
upstream-account-none = No provider is linked to your account.
upstream-linked-on = linked { $when }
upstream-unlink = Unlink { $provider }
upstream-prove-title = Link your account
upstream-prove-heading = You already have an account
upstream-prove-lead = An account with the address { $email } exists.
upstream-prove-lead-end = Sign in to it (with its password, and its second step if it has one) to link { $provider } to it; from then on { $provider } signs you in.
upstream-prove-button = Sign in to link
upstream-signup-lead-end = Choose the username of your new account; you sign in to it with { $provider }.
upstream-signup-unconfirmed = { $provider } did not confirm this address: we will mail you a link to confirm it.
upstream-not-offered = That provider is not offered.
upstream-sign-in-to-link = Sign in again to link a provider.
upstream-linked = The provider is linked: you can sign in with it now.
upstream-taken = That account of the provider is linked to another account here, or yours is linked to another one of it already.
upstream-unlinked = The provider is unlinked.
upstream-not-linked = That provider is not linked.
upstream-last-way-in = This provider is your only way to sign in: set a password or add a passkey before you unlink it.
upstream-did-not-work = Sign-in did not work
upstream-expired-or-used = This sign-in has expired or was used already. Start again.
upstream-other-browser = This sign-in did not start in this browser. Start again.
upstream-no-longer-offered = This sign-in provider is no longer offered.
upstream-expired = This sign-in has expired. Start again.
upstream-address-taken = This address belongs to an account
upstream-signup-lead = { $provider } signed you in as { $email }.
upstream-link-legend = Link a provider
upstream-link-submit = Link
upstream-unreachable = We could not reach { $provider }. Try again in a moment, or sign in another way.
upstream-refused = { $provider } did not sign you in: its answer could not be checked. Try again, or sign in another way.
upstream-stale = { $provider } signed you in with an earlier sign-in, but this step needs one made now. Sign in there again, or sign in another way.
upstream-address-unconfirmed = An account here has the address { $provider } gave us, but has not confirmed it, so we cannot link them. Sign in to your account, then link { $provider } on your account page.
upstream-unvouched = { $provider } gave us an address but does not vouch for it, so we cannot make or link an account with it. Sign up or sign in here first, then link { $provider } on your account page.
upstream-no-address = { $provider } did not give us an email address, so we cannot make an account for you. Sign up with an email address instead.

# The passkey offered right after sign-up (account and consent pages).
passkey-offer-heading = Add a passkey now?
passkey-offer-text = Next time, sign in with this device’s screen lock, fingerprint or face instead of your password.
passkey-offer-add = Yes, add a passkey

# An account without a password (decision 151).
account-remove-password-help = You can sign in without a password: with a passkey or a code sent to your address. To remove your password, type it once more.
account-remove-my-password = Remove my password
account-no-password = Your account has no password: you sign in with a passkey or a code by e-mail.
account-set-password = Set a password
account-no-password-proof = Without a password, you confirm it is you by signing in again before you change your address, add or remove a passkey, link a provider or delete the account. A sign-in counts for five minutes.
account-sign-in-again = Sign in again
account-sign-in-again-first = To confirm it is you, sign in again, then make the change within five minutes.
account-reset-first = Choose a password first: we emailed you a link. If it has expired, use “Forgot your password?” on the sign-in page.
passkey-last-way-in = This passkey is your only way into your account: set a password or confirm your address before you remove it.
page-no-password = Your account has no password.
page-password-last-way-in = Add a passkey or confirm your e-mail address first: without a password, you need another way to sign in.
page-password-removed = Your password is removed. Sign in with a passkey or a code by e-mail.
mail-notice-password-removed = The password of your account was removed: it signs in with a passkey or a code by e-mail now.
