//! What is checked on every page the person sees: a screenshot and accessibility basics;
//! and, when a step fails, a report of what the browser shows.

use std::path::PathBuf;

use serde_json::Value;

use super::driver::Browser;
use super::{PHONE_HEIGHT, PHONE_WIDTH};

impl Browser {
    /// A page the person sees: saves its screenshot as `<name>.png` and checks it for
    /// accessibility basics.
    pub(super) async fn page(&self, name: &str) {
        self.screenshot(name).await;
        let problems = match self.client.execute(ACCESSIBILITY_CHECK, vec![]).await {
            Ok(Value::Array(problems)) => problems,
            other => panic!("running the accessibility check on {name}: {other:?}"),
        };
        if !problems.is_empty() {
            let url = self.client.current_url().await.expect("current URL");
            panic!("the {name} page ({url}) fails accessibility basics: {problems:?}");
        }
    }

    pub(super) async fn screenshot(&self, name: &str) {
        if let Err(e) = self.try_screenshot(name).await {
            panic!("screenshot of {name}: {e}");
        }
    }

    /// The whole page, not just the part in view: WebDriver shoots the viewport, so the
    /// window grows to the page's height for the shot.
    pub(super) async fn try_screenshot(&self, name: &str) -> Result<PathBuf, String> {
        let error = |e: fantoccini::error::CmdError| e.to_string();
        let script = "return document.documentElement.scrollHeight - window.innerHeight;";
        let below = self.client.execute(script, vec![]).await.map_err(error)?;
        let below = below.as_u64().unwrap_or(0) as u32;
        if below > 0 {
            let height = PHONE_HEIGHT + below;
            let grown = self.client.set_window_size(PHONE_WIDTH, height).await;
            grown.map_err(error)?;
        }
        let png = self.client.screenshot().await.map_err(error);
        if below > 0 {
            let restored = self.client.set_window_size(PHONE_WIDTH, PHONE_HEIGHT).await;
            restored.map_err(error)?;
        }
        let path = self.shots.join(format!("{name}.png"));
        std::fs::write(&path, png?).map_err(|e| e.to_string())?;
        Ok(path)
    }

    /// Panics with what the person sees: the URL, the page's text and a screenshot (each as
    /// far as a possibly crashed browser still tells).
    pub(super) async fn fail(&self, what: &str) -> ! {
        let url = self
            .client
            .current_url()
            .await
            .map_or_else(|e| format!("unknown ({e})"), |url| url.to_string());
        let text: String = self
            .try_body_text()
            .await
            .unwrap_or_else(|e| format!("(unreadable: {e})"))
            .chars()
            .take(2000)
            .collect();
        let shot = self
            .try_screenshot(&format!("failed-{}", self.name))
            .await
            .map_or_else(|e| format!("not taken ({e})"), |p| p.display().to_string());
        panic!("{what}: the browser is at {url}, screenshot {shot}, showing:\n{text}");
    }
}

/// Returns a list of problems: `lang` on `<html>`, a viewport `<meta>`, a label for every
/// form control a person fills in, and no sideways scrolling at phone width.
const ACCESSIBILITY_CHECK: &str = r#"
const problems = [];
if (!document.documentElement.getAttribute('lang')) problems.push('<html> has no lang');
if (!document.querySelector('meta[name="viewport"]')) problems.push('no <meta name="viewport">');
for (const control of document.querySelectorAll('input, select, textarea')) {
  if (['hidden', 'submit', 'button', 'reset'].includes(control.type)) continue;
  // Not rendered for anyone (a username kept for password managers): nothing to label.
  if (control.closest('[hidden]')) continue;
  const labelled = control.closest('label')
    || (control.id && document.querySelector(`label[for="${CSS.escape(control.id)}"]`));
  if (!labelled) problems.push(`no label for ${control.outerHTML}`);
}
const width = document.documentElement.scrollWidth;
if (width > window.innerWidth) {
  problems.push(`scrolls sideways: ${width}px wide in a ${window.innerWidth}px window`);
}
return problems;
"#;
