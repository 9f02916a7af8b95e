//! The catalogue's own rules: every file parses, every message is in every language with
//! the same variables, no message is unused, and no template writes words of its own.

use std::collections::BTreeSet;
use std::path::Path;

use fluent_bundle::{FluentArgs, FluentResource};

use super::Lang;
use super::catalogue::{SOURCES, message_ids, text_in};

fn ids(lang: Lang) -> BTreeSet<String> {
    let source = SOURCES.iter().find(|(l, _)| *l == lang).unwrap().1;
    message_ids(source).into_iter().collect()
}

/// Every file below `dir` whose name ends with one of `endings`, with its text.
fn files(dir: &Path, endings: &[&str]) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(files(&path, endings));
        } else if endings.iter().any(|e| path.to_string_lossy().ends_with(e)) {
            let text = std::fs::read_to_string(&path).unwrap();
            found.push((path.to_string_lossy().into_owned(), text));
        }
    }
    found
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn every_catalogue_file_parses_without_errors() {
    for (lang, source) in SOURCES {
        if let Err((_, errors)) = FluentResource::try_new(source.to_string()) {
            panic!("locales/{}/main.ftl: {errors:?}", lang.code());
        }
    }
}

#[test]
fn every_message_exists_in_every_language() {
    let english = ids(Lang::En);
    for lang in Lang::ALL {
        let other = ids(lang);
        let missing: Vec<_> = english.difference(&other).collect();
        let extra: Vec<_> = other.difference(&english).collect();
        assert!(missing.is_empty(), "{} lacks {missing:?}", lang.code());
        assert!(extra.is_empty(), "{} has unknown {extra:?}", lang.code());
    }
}

/// The variables a message refers to, as formatting it without any reports them.
fn variables(lang: Lang, id: &str) -> BTreeSet<String> {
    let source = SOURCES.iter().find(|(l, _)| *l == lang).unwrap().1;
    let resource = FluentResource::try_new(source.to_string()).unwrap();
    let mut bundle = fluent_bundle::FluentBundle::new(vec![lang.code().parse().unwrap()]);
    bundle.add_resource(&resource).unwrap();
    let pattern = bundle.get_message(id).unwrap().value().unwrap();
    let mut errors = Vec::new();
    bundle.format_pattern(pattern, None::<&FluentArgs>, &mut errors);
    errors.iter().map(|e| format!("{e:?}")).collect()
}

#[test]
fn every_translation_uses_the_variables_of_the_english_message() {
    for id in ids(Lang::En) {
        let english = variables(Lang::En, &id);
        for lang in [Lang::Es, Lang::Fr] {
            assert_eq!(variables(lang, &id), english, "{id} in {}", lang.code());
            assert!(!text_in(lang, &id, None).trim().is_empty(), "{id}");
        }
    }
}

#[test]
fn every_message_is_used_by_its_id_or_its_english_text() {
    let mut code = String::new();
    for (_, text) in files(&root().join("templates"), &[".html", ".txt"]) {
        code.push_str(&text);
    }
    for (_, text) in files(&root().join("src"), &[".rs"]) {
        code.push_str(&text);
    }
    // This file and the catalogue name no messages.
    let unused: Vec<_> = ids(Lang::En)
        .into_iter()
        .filter(|id| {
            let english = text_in(Lang::En, id, None);
            !code.contains(&format!("\"{id}\"")) && !code.contains(&format!("\"{english}\""))
        })
        .collect();
    assert!(unused.is_empty(), "unused messages: {unused:?}");
}

/// The text of a template that is not markup or an expression, and the values of the
/// attributes people read (`aria-label`, `title`, `placeholder`, `alt`).
fn words_of(template: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut rest = template;
    let mut text = String::new();
    while let Some(c) = rest.chars().next() {
        let skip = ["{{", "{%", "{#"]
            .iter()
            .zip(["}}", "%}", "#}"])
            .find(|(open, _)| rest.starts_with(**open));
        if let Some((_, close)) = skip {
            let end = rest.find(close).map(|i| i + 2).unwrap_or(rest.len());
            rest = &rest[end..];
            text.push(' ');
            continue;
        }
        if c == '<' {
            let end = rest.find('>').map(|i| i + 1).unwrap_or(rest.len());
            let tag = &rest[..end];
            for attribute in ["aria-label=\"", "title=\"", "placeholder=\"", "alt=\""] {
                if let Some(start) = tag.find(attribute) {
                    let value = &tag[start + attribute.len()..];
                    let value = &value[..value.find('"').unwrap_or(value.len())];
                    words.push(strip_expressions(value));
                }
            }
            // A script's or style's body is code, not words.
            let closing = ["<script", "<style"]
                .iter()
                .zip(["</script>", "</style>"])
                .find(|(open, _)| tag.starts_with(**open));
            rest = match closing {
                Some((_, close)) => &rest[rest.find(close).unwrap_or(rest.len())..],
                None => &rest[end..],
            };
            text.push(' ');
            continue;
        }
        text.push(c);
        rest = &rest[c.len_utf8()..];
    }
    words.push(text);
    words
        .into_iter()
        .flat_map(|w| {
            w.split_whitespace()
                .filter(|w| w.chars().any(char::is_alphabetic))
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect()
}

fn strip_expressions(value: &str) -> String {
    let mut out = String::new();
    let mut rest = value;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        rest = &rest[rest[start..]
            .find("}}")
            .map(|i| start + i + 2)
            .unwrap_or(rest.len())..];
    }
    out.push_str(rest);
    out
}

#[test]
fn no_template_a_person_reads_writes_words_of_its_own() {
    // The administrators' console stays English (decision 146).
    let templates = files(&root().join("templates"), &[".html", ".txt"]);
    let mut offenders = Vec::new();
    for (path, text) in templates.iter().filter(|(p, _)| !p.contains("/admin/")) {
        // A fragment of attributes (`passkey_words.html`) is read as the tag it goes into.
        let text = match text.trim_start().starts_with("data-") {
            true => format!("<div {text}>"),
            false => text.clone(),
        };
        let words = words_of(&text);
        if !words.is_empty() {
            offenders.push(format!("{path}: {}", words.join(" ")));
        }
    }
    assert!(
        offenders.is_empty(),
        "untranslated:\n{}",
        offenders.join("\n")
    );
}

#[test]
fn the_template_scan_finds_words_and_ignores_markup() {
    let words = words_of(
        "<p class=\"x\">{{ t(\"a\") }} Hello</p><b aria-label=\"Code {{ c }}\"></b>\
         <script>let x = 1;</script>{% if y %}{% endif %}",
    );
    assert_eq!(words, vec!["Code", "Hello"]);
}
