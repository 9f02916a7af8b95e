//! The person's language: which one a request gets ([`Lang`], negotiated from
//! `ui_locales` and `Accept-Language`) and the words in it ([`catalogue`]).
//!
//! Pages, page errors and mail are written through one catalogue of Project Fluent files
//! (`locales/{en,es,fr}/main.ftl`, compiled into the binary). The language is a property
//! of the request, like its trace span: `web` negotiates it once per request and runs the
//! handler inside [`scope`], so whatever a request renders (its page, an error page, a mail
//! it queues) reads it with [`current`]. Outside a request (the command line, the mail
//! worker) it is English. Machine-facing text (RFC 6749 errors, JSON APIs, logs) stays
//! English. Decisions 141-148.

pub mod catalogue;
#[cfg(test)]
mod catalogue_tests;

use serde::{Deserialize, Serialize};

pub use catalogue::{Words, sentence, t, t1, t2, translate};

/// A language of the pages: English (the default), Spanish, French (decision 142).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Lang {
    #[default]
    #[serde(rename = "en")]
    En,
    #[serde(rename = "es")]
    Es,
    #[serde(rename = "fr")]
    Fr,
}

/// Input longer than this is not looked at: no language has a name that long, and a
/// hostile header or parameter costs nothing beyond this bound.
const MAX_INPUT: usize = 512;
/// At most this many tags of a list are considered.
const MAX_TAGS: usize = 16;
/// BCP 47 tags people send are short; a longer "tag" is noise (RFC 5646 §4.4.1 suggests 35).
const MAX_TAG: usize = 35;

impl Lang {
    pub const ALL: [Lang; 3] = [Lang::En, Lang::Es, Lang::Fr];

    /// The BCP 47 tag, as `<html lang>` and discovery say it.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Es => "es",
            Lang::Fr => "fr",
        }
    }

    /// The language of one BCP 47 tag, by its primary subtag (`es-MX` is `es`); `None`
    /// for a language we do not have or anything that is not a tag.
    fn of_tag(tag: &str) -> Option<Lang> {
        if tag.is_empty()
            || tag.len() > MAX_TAG
            || !tag.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            return None;
        }
        let primary = tag.split('-').next().unwrap_or_default();
        Lang::ALL
            .into_iter()
            .find(|lang| primary.eq_ignore_ascii_case(lang.code()))
    }

    /// OpenID Connect Core §3.1.2.1 `ui_locales`: space-separated tags in order of
    /// preference; the first we have wins. `None` when none is ours (the caller falls
    /// back to `Accept-Language`).
    pub fn from_ui_locales(text: &str) -> Option<Lang> {
        if text.len() > MAX_INPUT {
            return None;
        }
        text.split(' ')
            .filter(|tag| !tag.is_empty())
            .take(MAX_TAGS)
            .find_map(Lang::of_tag)
    }

    /// RFC 9110 §12.5.4 `Accept-Language`: the language we have with the highest weight
    /// (the earlier one on a tie); `q=0` means "not this one". `*` stands for the default.
    pub fn from_accept_language(text: &str) -> Option<Lang> {
        if text.len() > MAX_INPUT {
            return None;
        }
        let mut best: Option<(Lang, u16)> = None;
        for item in text.split(',').take(MAX_TAGS) {
            let mut parts = item.split(';');
            let tag = parts.next().unwrap_or_default().trim();
            let lang = match tag {
                "*" => Some(Lang::En),
                tag => Lang::of_tag(tag),
            };
            let q = parts
                .map(str::trim)
                .find(|p| p.get(..2).is_some_and(|k| k.eq_ignore_ascii_case("q=")));
            let weight = match q.map(|p| weight_of(&p[2..])) {
                None => 1000,
                Some(Some(weight)) => weight,
                // A weight that is not one: the item is ignored.
                Some(None) => continue,
            };
            if let Some(lang) = lang
                && weight > 0
                && best.is_none_or(|(_, w)| weight > w)
            {
                best = Some((lang, weight));
            }
        }
        best.map(|(lang, _)| lang)
    }

    /// The language of a request: its `ui_locales` choice, else `Accept-Language`, else
    /// English.
    pub fn negotiate(chosen: Option<Lang>, accept_language: Option<&str>) -> Lang {
        chosen
            .or_else(|| accept_language.and_then(Lang::from_accept_language))
            .unwrap_or_default()
    }
}

/// RFC 9110 §12.4.2 weight `0.xyz` or `1.000`, in thousandths; `None` for anything else.
fn weight_of(value: &str) -> Option<u16> {
    let (whole, fraction) = value.split_once('.').unwrap_or((value, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let thousandths = format!("{fraction:0<3}").parse::<u16>().ok()?;
    match whole {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

tokio::task_local! {
    static CURRENT: Lang;
}

/// Runs `future` (a request's handling) in `lang`.
pub async fn scope<F: Future>(lang: Lang, future: F) -> F::Output {
    CURRENT.scope(lang, future).await
}

/// `future` in the current language, for work a request hands to a task of its own (a
/// mail written after the answer): tasks do not inherit the language.
pub fn carried<F: Future>(future: F) -> impl Future<Output = F::Output> {
    scope(current(), future)
}

/// The language of the request being handled; English outside one.
pub fn current() -> Lang {
    CURRENT.try_with(|lang| *lang).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ui_locales_take_the_first_language_we_have() {
        assert_eq!(Lang::from_ui_locales("de-CH fr-CA es"), Some(Lang::Fr));
        assert_eq!(Lang::from_ui_locales("es-MX"), Some(Lang::Es));
        assert_eq!(Lang::from_ui_locales("de ja"), None);
        assert_eq!(Lang::from_ui_locales(""), None);
    }

    #[test]
    fn hostile_ui_locales_choose_nothing() {
        assert_eq!(Lang::from_ui_locales("*"), None);
        assert_eq!(Lang::from_ui_locales("<script>es</script>"), None);
        assert_eq!(Lang::from_ui_locales("es\u{0}"), None);
        assert_eq!(Lang::from_ui_locales(&"x ".repeat(5000)), None);
        // A language we have after too many tags is not looked for.
        let many = format!("{}fr", "de ".repeat(MAX_TAGS));
        assert_eq!(Lang::from_ui_locales(&many), None);
    }

    #[test]
    fn accept_language_follows_the_weights() {
        let pick = Lang::from_accept_language;
        assert_eq!(pick("en;q=0.5, fr;q=0.9, es;q=0.8"), Some(Lang::Fr));
        assert_eq!(pick("de-DE, es-MX;q=0.7, en;q=0.3"), Some(Lang::Es));
        assert_eq!(pick("fr;q=0, es;q=0.1"), Some(Lang::Es));
        assert_eq!(pick("fr, es"), Some(Lang::Fr));
        assert_eq!(pick("de, *;q=0.1"), Some(Lang::En));
        assert_eq!(pick("fr;q=2, es;q=abc, es;q=\u{e9}\u{e9}"), None);
        assert_eq!(pick("de, ja"), None);
    }

    #[test]
    fn a_choice_wins_over_the_header_and_english_is_last() {
        assert_eq!(Lang::negotiate(Some(Lang::Es), Some("fr")), Lang::Es);
        assert_eq!(Lang::negotiate(None, Some("fr")), Lang::Fr);
        assert_eq!(Lang::negotiate(None, Some("de")), Lang::En);
        assert_eq!(Lang::negotiate(None, None), Lang::En);
    }
}
