//! The bodies of mail: one plain-text and one HTML template for every message that carries
//! a link (password reset, address verification).

use askama::Template;

use crate::i18n::Words;

/// A message whose point is one link to follow.
pub struct LinkMail<'a> {
    pub subject: &'a str,
    pub greeting_name: &'a str,
    /// What happened and what the link does, one sentence or two.
    pub intro: &'a str,
    pub link: &'a str,
    pub link_text: &'a str,
    /// What to do if the person did not ask for this.
    pub closing: &'a str,
}

#[derive(Template)]
#[template(path = "mail/link.txt")]
struct LinkText<'a> {
    mail: &'a LinkMail<'a>,
}

#[derive(Template)]
#[template(path = "mail/link.html")]
struct LinkHtml<'a> {
    mail: &'a LinkMail<'a>,
}

/// The (text, HTML) bodies of `mail`.
pub fn render_link_mail(mail: &LinkMail<'_>) -> Result<(String, String), askama::Error> {
    Ok((LinkText { mail }.render()?, LinkHtml { mail }.render()?))
}

/// A mail that gives a one-time code to type, and no link ([`crate::accounts::email_codes`]).
pub struct CodeMail<'a> {
    pub subject: &'a str,
    pub greeting_name: &'a str,
    pub intro: &'a str,
    pub code: &'a str,
    pub closing: &'a str,
}

#[derive(Template)]
#[template(path = "mail/code.txt")]
struct CodeText<'a> {
    mail: &'a CodeMail<'a>,
}

#[derive(Template)]
#[template(path = "mail/code.html")]
struct CodeHtml<'a> {
    mail: &'a CodeMail<'a>,
}

/// The (text, HTML) bodies of `mail`.
pub fn render_code_mail(mail: &CodeMail<'_>) -> Result<(String, String), askama::Error> {
    Ok((CodeText { mail }.render()?, CodeHtml { mail }.render()?))
}
