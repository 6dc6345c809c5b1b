//! Sites from URLs: the registered domain (eTLD+1) by the Public Suffix List, so that
//! `www.example.co.uk/a` and `news.example.co.uk/b` are pages of one site, `example.co.uk`.

/// The registered domain of `url` (`https://news.bbc.co.uk/x` → `bbc.co.uk`), lower-cased.
/// A URL without a scheme is read as `http://…`. An IP address or a host that is itself a
/// public suffix is returned whole; `None` when no host can be read.
pub fn registered_domain(url: &str) -> Option<String> {
    let url = url.trim();
    let parsed = match url::Url::parse(url) {
        Ok(u) if u.host().is_some() => u,
        // "example.com/path" parses as a relative reference, not as a URL with a host.
        _ if !url.contains("://") => url::Url::parse(&format!("http://{url}")).ok()?,
        _ => return None,
    };
    let host = match parsed.host()? {
        url::Host::Domain(d) => d.trim_end_matches('.').to_ascii_lowercase(),
        ip => return Some(ip.to_string()),
    };
    if host.is_empty() {
        return None;
    }
    // `url` has already turned an internationalised host into its ASCII (punycode) form,
    // which is what the suffix list matches.
    let domain = psl::domain_str(&host).unwrap_or(&host);
    Some(domain.to_string())
}

#[cfg(test)]
mod tests {
    use super::registered_domain;

    #[test]
    fn registered_domains() {
        let cases = [
            ("https://www.example.com/a/b?c=1", Some("example.com")),
            ("http://news.bbc.co.uk/2/hi", Some("bbc.co.uk")),
            ("HTTPS://Blog.Example.CO.UK.", Some("example.co.uk")),
            ("example.org/path", Some("example.org")),
            ("https://user:pw@sub.example.com:8080/", Some("example.com")),
            ("http://192.168.0.1/x", Some("192.168.0.1")),
            ("https://co.uk/", Some("co.uk")),
            ("https://münchen.de/", Some("xn--mnchen-3ya.de")),
            ("https://foo.github.io/x", Some("foo.github.io")),
            ("", None),
            ("http://", None),
        ];
        for (url, want) in cases {
            assert_eq!(registered_domain(url).as_deref(), want, "{url:?}");
        }
    }
}
