//! The dashboard's language: Korean or English. The browser's choice on the page (the `tossd_lang` cookie
//! its switch sets) wins; otherwise the preferred of the two in `Accept-Language`; otherwise Korean.

use axum::http::{header, HeaderMap};

const COOKIE: &str = "tossd_lang";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Ko,
    En,
}

impl Lang {
    pub fn of(headers: &HeaderMap) -> Lang {
        let chosen = headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find_map(|(key, value)| (key == COOKIE).then(|| Lang::from_code(value)).flatten());
        chosen
            .or_else(|| {
                headers
                    .get(header::ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok())
                    .and_then(preferred)
            })
            .unwrap_or(Lang::Ko)
    }

    fn from_code(code: &str) -> Option<Lang> {
        let primary = code.split(['-', '_']).next()?.trim();
        if primary.eq_ignore_ascii_case("ko") {
            Some(Lang::Ko)
        } else if primary.eq_ignore_ascii_case("en") {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// The `lang` attribute and cookie value.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ko => "ko",
            Lang::En => "en",
        }
    }

    /// The label in this language.
    pub fn t(self, ko: &'static str, en: &'static str) -> &'static str {
        match self {
            Lang::Ko => ko,
            Lang::En => en,
        }
    }
}

/// The highest-weighted of Korean and English in an `Accept-Language` value (the first on a tie).
fn preferred(accept: &str) -> Option<Lang> {
    let mut best: Option<(f32, Lang)> = None;
    for item in accept.split(',') {
        let mut parts = item.split(';');
        let Some(lang) = parts.next().and_then(Lang::from_code) else {
            continue;
        };
        let weight = parts
            .find_map(|p| p.trim().strip_prefix("q="))
            .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())
            .unwrap_or(0.0);
        if weight > 0.0 && best.is_none_or(|(w, _)| weight > w) {
            best = Some((weight, lang));
        }
    }
    best.map(|(_, lang)| lang)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn lang(cookie: Option<&'static str>, accept: Option<&'static str>) -> Lang {
        let mut headers = HeaderMap::new();
        if let Some(c) = cookie {
            headers.insert(header::COOKIE, HeaderValue::from_static(c));
        }
        if let Some(a) = accept {
            headers.insert(header::ACCEPT_LANGUAGE, HeaderValue::from_static(a));
        }
        Lang::of(&headers)
    }

    #[test]
    fn the_cookie_wins_then_accept_language_then_korean() {
        assert_eq!(lang(None, None), Lang::Ko);
        assert_eq!(lang(None, Some("en-US,en;q=0.9")), Lang::En);
        assert_eq!(lang(None, Some("ko-KR,ko;q=0.9,en;q=0.8")), Lang::Ko);
        assert_eq!(lang(None, Some("fr, en;q=0.5, ko;q=0.7")), Lang::Ko);
        assert_eq!(lang(None, Some("de")), Lang::Ko);
        assert_eq!(lang(None, Some("en;q=0")), Lang::Ko);
        assert_eq!(lang(Some("a=b; tossd_lang=en"), Some("ko")), Lang::En);
        assert_eq!(lang(Some("tossd_lang=xx"), Some("en")), Lang::En);
    }
}
