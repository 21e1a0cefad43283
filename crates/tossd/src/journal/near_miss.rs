//! Near misses: for a partner API call that matched no route, the nearest real route and why it missed
//! (WireMock's near misses). Plain functions over the route table.

use serde::Serialize;
use utoipa::ToSchema;

/// The route a call that matched none probably meant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, ToSchema)]
pub struct NearMiss {
    /// The route's path template, e.g. `/v1/payments/{paymentKey}`
    pub route: String,
    pub reason: String,
}

/// One route of the partner APIs: its method and path template.
#[derive(Debug, Clone)]
pub struct Route {
    pub method: String,
    pub template: String,
}

const AIT_PREFIX: &str = "/api-partner";

fn segments(path: &str) -> Vec<&str> {
    path.split('/').filter(|s| !s.is_empty()).collect()
}

fn segment_matches(template: &str, actual: &str) -> bool {
    (template.starts_with('{') && template.ends_with('}')) || template == actual
}

/// Whether `path` is an instance of `template`.
pub fn matches(template: &str, path: &str) -> bool {
    let (t, p) = (segments(template), segments(path));
    t.len() == p.len() && t.iter().zip(&p).all(|(t, p)| segment_matches(t, p))
}

/// Edit distance over path segments; a template's `{param}` matches any one segment.
fn distance(template: &[&str], path: &[&str]) -> usize {
    let mut previous: Vec<usize> = (0..=path.len()).collect();
    for (i, t) in template.iter().enumerate() {
        let mut row = vec![i + 1; path.len() + 1];
        for (j, p) in path.iter().enumerate() {
            let substitute = previous[j] + usize::from(!segment_matches(t, p));
            row[j + 1] = substitute.min(previous[j + 1] + 1).min(row[j] + 1);
        }
        previous = row;
    }
    previous[path.len()]
}

/// The nearest route to a `method` `path` that matched none, with the reason it missed: a wrong method,
/// a missing `/v1`, the other family's prefix, or the segments that differ. `None` when no route shares
/// anything with the path.
pub fn nearest(routes: &[Route], method: &str, path: &str) -> Option<NearMiss> {
    if let Some(route) = routes.iter().find(|r| matches(&r.template, path)) {
        let methods: Vec<&str> = routes
            .iter()
            .filter(|r| r.template == route.template)
            .map(|r| r.method.as_str())
            .collect();
        return Some(NearMiss {
            route: route.template.clone(),
            reason: format!(
                "wrong method: {} takes {}, not {method}",
                route.template,
                methods.join(", ")
            ),
        });
    }
    let same_method: Vec<&Route> = routes.iter().filter(|r| r.method == method).collect();
    let candidates: Vec<&Route> = if same_method.is_empty() {
        routes.iter().collect()
    } else {
        same_method
    };
    let with_v1 = missing_v1(path);
    if let Some(route) = candidates
        .iter()
        .find(|r| with_v1.iter().any(|p| matches(&r.template, p)))
    {
        return Some(NearMiss {
            route: route.template.clone(),
            reason: "missing /v1: the path lacks the version segment".to_owned(),
        });
    }
    for fixed in other_prefix(path) {
        if let Some(route) = candidates.iter().find(|r| matches(&r.template, &fixed)) {
            let reason = if route.template.starts_with(AIT_PREFIX) {
                "wrong prefix: Apps-in-Toss routes are under /api-partner"
            } else {
                "wrong prefix: Toss Payments routes are not under /api-partner"
            };
            return Some(NearMiss {
                route: route.template.clone(),
                reason: reason.to_owned(),
            });
        }
    }
    let path_segments = segments(path);
    let (route, distance) = candidates
        .iter()
        .map(|r| (r, distance(&segments(&r.template), &path_segments)))
        .min_by_key(|(_, d)| *d)?;
    let longest = segments(&route.template).len().max(path_segments.len());
    // Sharing less than half its segments, a route is no near miss.
    if distance * 2 > longest {
        return None;
    }
    Some(NearMiss {
        route: route.template.clone(),
        reason: format!(
            "no such route; {distance} path segment{} from it",
            if distance == 1 {
                " differs"
            } else {
                "s differ"
            }
        ),
    })
}

/// `path` with a `v1` segment put in where it could be missing (after the first or second segment).
fn missing_v1(path: &str) -> Vec<String> {
    let s = segments(path);
    if s.contains(&"v1") {
        return Vec::new();
    }
    (0..=s.len().min(1))
        .map(|at| {
            let mut fixed = s.clone();
            fixed.insert(at, "v1");
            format!("/{}", fixed.join("/"))
        })
        .collect()
}

/// `path` moved to the other family: `/api-partner` taken off, or put on.
fn other_prefix(path: &str) -> Vec<String> {
    match path.strip_prefix(AIT_PREFIX) {
        Some(rest) if rest.starts_with('/') => vec![rest.to_owned()],
        _ => vec![format!("{AIT_PREFIX}{path}")],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn routes() -> Vec<Route> {
        [
            ("GET", "/v1/payments/{paymentKey}"),
            ("POST", "/v1/payments/{paymentKey}/cancel"),
            ("GET", "/v1/payments/orders/{orderId}"),
            ("POST", "/api-partner/v1/apps-in-toss/pay/make-payment"),
            (
                "POST",
                "/api-partner/v1/apps-in-toss/pay/get-payment-status",
            ),
        ]
        .iter()
        .map(|(m, t)| Route {
            method: (*m).to_owned(),
            template: (*t).to_owned(),
        })
        .collect()
    }

    fn near(method: &str, path: &str) -> Option<(String, String)> {
        nearest(&routes(), method, path).map(|n| (n.route, n.reason))
    }

    #[test]
    fn a_wrong_method_names_the_methods_the_route_takes() {
        assert_eq!(
            near("DELETE", "/v1/payments/pk_1"),
            Some((
                "/v1/payments/{paymentKey}".into(),
                "wrong method: /v1/payments/{paymentKey} takes GET, not DELETE".into()
            ))
        );
    }

    #[test]
    fn a_missing_v1_is_named() {
        assert_eq!(
            near("POST", "/api-partner/apps-in-toss/pay/make-payment"),
            Some((
                "/api-partner/v1/apps-in-toss/pay/make-payment".into(),
                "missing /v1: the path lacks the version segment".into()
            ))
        );
    }

    #[test]
    fn the_other_familys_prefix_is_named() {
        assert_eq!(
            near("GET", "/api-partner/v1/payments/pk_1").map(|n| n.1),
            Some("wrong prefix: Toss Payments routes are not under /api-partner".into())
        );
        assert_eq!(
            near("POST", "/v1/apps-in-toss/pay/make-payment").map(|n| n.0),
            Some("/api-partner/v1/apps-in-toss/pay/make-payment".into())
        );
    }

    #[test]
    fn otherwise_the_nearest_by_segments() {
        assert_eq!(
            near("POST", "/v1/payments/pk_1/cancle"),
            Some((
                "/v1/payments/{paymentKey}/cancel".into(),
                "no such route; 1 path segment differs from it".into()
            ))
        );
        assert_eq!(near("POST", "/v1/x/y/z/w/q"), None);
    }
}
