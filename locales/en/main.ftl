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
