//! Edits of the OpenAPI document that every family needs: its envelope around success bodies and its
//! error body on every failure status, including the statuses its middleware and extractors answer on
//! any operation. The annotations on the handlers say what each operation returns; the families fill in
//! the bodies here, once, so no operation can forget them.

use serde_json::{json, Map, Value};

/// Calls `f` with the path, the method and each operation of the document's paths that start with
/// `prefix`.
pub fn each_operation(
    doc: &mut Value,
    prefix: &str,
    mut f: impl FnMut(&str, &str, &mut Map<String, Value>),
) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for (path, item) in paths
        .iter_mut()
        .filter(|(path, _)| path.starts_with(prefix))
    {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (method, operation) in item.iter_mut() {
            if let Some(operation) = operation.as_object_mut() {
                f(path, method, operation);
            }
        }
    }
}

/// Adds `schema` to the document's component schemas as `name`; returns its `$ref`.
pub fn component(doc: &mut Value, name: &str, schema: Value) -> Value {
    if let Some(root) = doc.as_object_mut() {
        let components = root.entry("components").or_insert_with(|| json!({}));
        if let Some(components) = components.as_object_mut() {
            let schemas = components.entry("schemas").or_insert_with(|| json!({}));
            if let Some(schemas) = schemas.as_object_mut() {
                schemas.insert(name.to_owned(), schema);
            }
        }
    }
    json!({"$ref": format!("#/components/schemas/{name}")})
}

/// `{"application/json": {"schema": schema}}`.
pub fn json_content(schema: Value) -> Value {
    json!({"application/json": {"schema": schema}})
}

fn responses(operation: &mut Map<String, Value>) -> Option<&mut Map<String, Value>> {
    operation
        .entry("responses")
        .or_insert_with(|| json!({}))
        .as_object_mut()
}

/// Replaces the JSON schema of the operation's `status` response with `wrap(schema)` (the schema is
/// `{}` — anything — where the annotation gave none).
pub fn wrap_body(operation: &mut Map<String, Value>, status: &str, wrap: impl Fn(Value) -> Value) {
    let Some(response) = responses(operation)
        .and_then(|r| r.get_mut(status))
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    let schema = response
        .get("content")
        .and_then(|c| c.get("application/json"))
        .and_then(|c| c.get("schema"))
        .cloned()
        .unwrap_or_else(|| json!({}));
    response.insert("content".to_owned(), json_content(wrap(schema)));
}

/// Declares the `common` statuses (status, description) where the operation does not already, then
/// gives every failure response (4xx, 5xx) the JSON body `schema`.
pub fn error_bodies(operation: &mut Map<String, Value>, schema: &Value, common: &[(&str, &str)]) {
    let Some(responses) = responses(operation) else {
        return;
    };
    for (status, description) in common {
        responses
            .entry((*status).to_owned())
            .or_insert_with(|| json!({"description": description}));
    }
    for (status, response) in responses.iter_mut() {
        if !(status.starts_with('4') || status.starts_with('5')) {
            continue;
        }
        if let Some(response) = response.as_object_mut() {
            response.insert("content".to_owned(), json_content(schema.clone()));
        }
    }
}

/// A string schema that allows exactly `value`.
pub fn constant(value: &str) -> Value {
    json!({"type": "string", "enum": [value]})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_get_the_body_and_common_statuses() {
        let mut doc = json!({"paths": {
            "/a/x": {"post": {"responses": {
                "200": {"description": "ok", "content": {"application/json": {"schema": {"type": "integer"}}}},
                "404": {"description": "gone"}}}},
            "/b/y": {"get": {"responses": {}}}}});
        let body = component(&mut doc, "Err", json!({"type": "object"}));
        each_operation(&mut doc, "/a/", |_, _, op| {
            wrap_body(
                op,
                "200",
                |s| json!({"type": "object", "properties": {"v": s}}),
            );
            error_bodies(op, &body, &[("500", "internal"), ("404", "other")]);
        });
        let op = &doc["paths"]["/a/x"]["post"]["responses"];
        assert_eq!(
            op["200"]["content"]["application/json"]["schema"]["properties"]["v"],
            json!({"type": "integer"})
        );
        assert_eq!(op["404"]["description"], "gone");
        assert_eq!(op["404"]["content"]["application/json"]["schema"], body);
        assert_eq!(op["500"]["content"]["application/json"]["schema"], body);
        assert_eq!(doc["paths"]["/b/y"]["get"]["responses"], json!({}));
        assert_eq!(
            doc["components"]["schemas"]["Err"],
            json!({"type": "object"})
        );
    }
}
