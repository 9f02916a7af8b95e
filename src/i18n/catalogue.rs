//! The one catalogue of words a person reads: Project Fluent files compiled into the
//! binary (decision 141), one bundle per language, parsed once on first use.
//!
//! Templates call [`t`], [`t1`] and [`t2`] with a message id; Rust code that writes a
//! person-facing sentence (a refusal, a page error, a mail) does the same. A message
//! missing in a language falls back to English, and a missing id shows the id (the
//! catalogue test keeps both from happening).

use std::collections::HashMap;
use std::fmt::Display;
use std::sync::LazyLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

use super::{Lang, current};

/// The Fluent source of each language, in [`Lang::ALL`] order.
pub const SOURCES: [(Lang, &str); 3] = [
    (Lang::En, include_str!("../../locales/en/main.ftl")),
    (Lang::Es, include_str!("../../locales/es/main.ftl")),
    (Lang::Fr, include_str!("../../locales/fr/main.ftl")),
];

type Bundle = FluentBundle<FluentResource>;

static BUNDLES: LazyLock<Vec<(Lang, Bundle)>> = LazyLock::new(|| {
    SOURCES
        .iter()
        .map(|(lang, source)| (*lang, bundle(*lang, source)))
        .collect()
});

fn bundle(lang: Lang, source: &str) -> Bundle {
    // The files are ours and tested to parse; a broken one keeps what did parse.
    let resource = FluentResource::try_new(source.to_string()).unwrap_or_else(|(r, _)| r);
    let id = lang.code().parse().unwrap_or_default();
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    // Isolation marks (U+2068/U+2069) would land inside attribute values and mail.
    bundle.set_use_isolating(false);
    if let Err(errors) = bundle.add_resource(resource) {
        tracing::error!(
            ?errors,
            lang = lang.code(),
            "duplicate messages in the catalogue"
        );
    }
    bundle
}

fn bundle_of(lang: Lang) -> &'static Bundle {
    let bundles = &*BUNDLES;
    bundles
        .iter()
        .find(|(l, _)| *l == lang)
        .map(|(_, b)| b)
        .unwrap_or(&bundles[0].1)
}

/// The message `id` in `lang` with `args`, falling back to English, then to the id.
pub fn text_in(lang: Lang, id: &str, args: Option<&FluentArgs<'_>>) -> String {
    for bundle in [bundle_of(lang), bundle_of(Lang::En)] {
        if let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) {
            let mut errors = Vec::new();
            let text = bundle.format_pattern(pattern, args, &mut errors);
            if !errors.is_empty() {
                tracing::warn!(?errors, id, "a catalogue message did not format cleanly");
            }
            return text.into_owned();
        }
    }
    tracing::warn!(id, "a message is missing from the catalogue");
    id.to_string()
}

/// The ids of the English messages without variables, by their English text: what
/// [`translate`] looks up.
static BY_ENGLISH: LazyLock<HashMap<String, String>> = LazyLock::new(|| {
    let english = bundle_of(Lang::En);
    let source = SOURCES[0].1;
    message_ids(source)
        .into_iter()
        .filter_map(|id| {
            let pattern = english.get_message(&id)?.value()?;
            let mut errors = Vec::new();
            let text = english.format_pattern(pattern, None, &mut errors);
            errors.is_empty().then(|| (text.into_owned(), id))
        })
        .collect()
});

/// A sentence that Rust code wrote in English (a refusal, a page error, a form's
/// complaint), in the current language: the catalogue message whose English text it is
/// (decision 144). Text the catalogue does not have stays as it is.
pub fn translate(english: &str) -> String {
    let lang = current();
    if lang == Lang::En {
        return english.to_string();
    }
    match BY_ENGLISH.get(english) {
        Some(id) => text_in(lang, id, None),
        None => english.to_string(),
    }
}

/// A complaint from the domain ("username must be ...") as a sentence of a page: in the
/// current language, with a capital letter and a full stop.
pub fn sentence(text: &str) -> String {
    let text = translate(text);
    let mut chars = text.chars();
    let mut out: String = chars
        .next()
        .map(|c| c.to_uppercase().collect())
        .unwrap_or_default();
    out.extend(chars);
    if !out.ends_with('.') {
        out.push('.');
    }
    out
}

/// A value for a message: a number when it reads as one (so plurals work), else text.
fn value_of(value: &dyn Display) -> FluentValue<'static> {
    let text = value.to_string();
    // Only a number written as one ("007" is a name, not seven).
    match text.parse::<i64>() {
        Ok(number) if number.to_string() == text => FluentValue::from(number),
        _ => FluentValue::from(text),
    }
}

/// The message `id` in the current language.
pub fn t(id: &str) -> String {
    text_in(current(), id, None)
}

/// The message `id` with one variable.
pub fn t1(id: &str, name: &str, value: &dyn Display) -> String {
    let mut args = FluentArgs::new();
    args.set(name.to_string(), value_of(value));
    text_in(current(), id, Some(&args))
}

/// The message `id` with two variables.
pub fn t2(id: &str, n1: &str, v1: &dyn Display, n2: &str, v2: &dyn Display) -> String {
    let mut args = FluentArgs::new();
    args.set(n1.to_string(), value_of(v1));
    args.set(n2.to_string(), value_of(v2));
    text_in(current(), id, Some(&args))
}

/// The message `id` as HTML: its text escaped, and the value of `name` (escaped too) in
/// `<strong>`, wherever the language puts it.
pub fn strong(id: &str, vars: &[(&str, &dyn Display)]) -> String {
    // Private-use markers stand in for the values while the text is escaped.
    let mut args = FluentArgs::new();
    for (i, (name, _)) in vars.iter().enumerate() {
        args.set(
            name.to_string(),
            FluentValue::from(format!("\u{e000}{i}\u{e001}")),
        );
    }
    let mut html = escape(&text_in(current(), id, Some(&args)));
    for (i, (_, value)) in vars.iter().enumerate() {
        let marked = format!("<strong>{}</strong>", escape(&value.to_string()));
        html = html.replace(&format!("\u{e000}{i}\u{e001}"), &marked);
    }
    html
}

/// HTML text escaping, byte for byte as askama does it for the rest of a page.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' | '&' | '\'' | '<' | '>' => out.push_str(&format!("&#{};", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// What templates call: `{{ t("id") }}`, `{{ t1("id", "name", value) }}`, and
/// `{{ tb("id", "name", value)|safe }}` for a sentence with a value in bold. Askama reads a
/// call of a name that is no variable as a method of the template, hence a trait that every
/// type has.
pub trait Words {
    fn t(&self, id: &str) -> String {
        t(id)
    }
    fn t1(&self, id: &str, name: &str, value: impl Display) -> String {
        t1(id, name, &value)
    }
    fn t2(&self, id: &str, n1: &str, v1: impl Display, n2: &str, v2: impl Display) -> String {
        t2(id, n1, &v1, n2, &v2)
    }
    fn tb(&self, id: &str, name: &str, value: impl Display) -> String {
        strong(id, &[(name, &value)])
    }
    fn tb2(&self, id: &str, n1: &str, v1: impl Display, n2: &str, v2: impl Display) -> String {
        strong(id, &[(n1, &v1), (n2, &v2)])
    }
    /// Text from Rust code, in English: see [`translate`].
    fn tr(&self, english: impl Display) -> String {
        translate(&english.to_string())
    }
    /// The `lang` of the page.
    fn lang(&self) -> &'static str {
        current().code()
    }
}

impl<T: ?Sized> Words for T {}

/// The ids of the messages in one Fluent source (for the catalogue's own tests).
pub fn message_ids(source: &str) -> Vec<String> {
    use fluent_syntax::ast::Entry;
    let resource = FluentResource::try_new(source.to_string()).unwrap_or_else(|(r, _)| r);
    resource
        .entries()
        .filter_map(|entry| match entry {
            Entry::Message(m) => Some(m.id.name.to_string()),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_look_like_numbers_stay_as_written() {
        let hello = |name: &str| t1("mail-hello", "name", &name);
        assert_eq!(hello("007"), "Hello 007,");
        assert_eq!(hello("42"), "Hello 42,");
        assert_eq!(t1("try-again-seconds", "n", &1), "Try again in a second.");
        assert_eq!(t1("try-again-seconds", "n", &5), "Try again in 5 seconds.");
    }

    #[test]
    fn bold_values_are_escaped_and_placed_where_the_language_puts_them() {
        let html = strong("consent-heading", &[("app", &"<Shop & Co>")]);
        assert_eq!(
            html,
            "Allow <strong>&#60;Shop &#38; Co&#62;</strong> to access your account?"
        );
    }

    #[test]
    fn english_text_finds_its_translation_only_outside_english() {
        assert_eq!(translate("Sign in again."), "Sign in again.");
        let es = text_in(Lang::Es, "err-sign-in-again", None);
        assert_eq!(es, "Vuelve a iniciar sesión.");
    }
}
