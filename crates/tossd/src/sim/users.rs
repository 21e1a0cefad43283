//! Simulated Toss users: profiles, points balance.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::login::{Gender, Nationality};
use crate::domain::secrets;
use crate::sim::{SimError, SimJson, SimPath};
use crate::state::AppState;
use crate::store::users::{self as store, NewUser, User};

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserView {
    pub user_key: i64,
    pub name: String,
    pub calling_code: String,
    pub phone: String,
    /// yyyyMMdd
    pub birthday: String,
    /// MALE or FEMALE
    pub gender: String,
    /// LOCAL or FOREIGNER
    pub nationality: String,
    pub email: Option<String>,
    pub ci: String,
    pub push_enabled: bool,
    pub marketing_consent: bool,
    pub points_balance: i64,
    /// The user left Toss
    pub withdrawn: bool,
}

impl From<User> for UserView {
    fn from(user: User) -> UserView {
        UserView {
            user_key: user.user_key,
            name: user.name,
            calling_code: user.calling_code,
            phone: user.phone,
            birthday: user.birthday,
            gender: user.gender.as_str().to_owned(),
            nationality: user.nationality.as_str().to_owned(),
            email: user.email,
            ci: user.ci,
            push_enabled: user.push_enabled,
            marketing_consent: user.marketing_consent,
            points_balance: user.points_balance,
            withdrawn: user.withdrawn,
        }
    }
}

/// The user as the simulator shows them, or 404.
async fn view(state: &AppState, user_key: i64) -> Result<UserView, SimError> {
    store::user(state.db.reader(), user_key)
        .await?
        .map(UserView::from)
        .ok_or_else(|| SimError::not_found("no such user"))
}

#[derive(Deserialize, Default, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateUser {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub birthday: Option<String>,
    pub gender: Option<String>,
    pub nationality: Option<String>,
    pub email: Option<String>,
    pub ci: Option<String>,
    pub calling_code: Option<String>,
    pub push_enabled: Option<bool>,
    pub marketing_consent: Option<bool>,
}

const FAMILY_NAMES: &[&str] = &["김", "이", "박", "최", "정", "강", "조", "윤", "장", "임"];
const GIVEN_NAMES: &[&str] = &[
    "민준", "서연", "도윤", "하은", "지호", "수아", "예준", "지유", "시우", "하린",
];

fn pick<T: Copy>(list: &[T]) -> T {
    list[secrets::random_in(0..=(list.len() as i64 - 1)) as usize]
}

fn digits(text: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit())
}

/// A valid `yyyyMMdd` date.
fn is_birthday(text: &str) -> bool {
    digits(text, 8, 8) && chrono::NaiveDate::parse_from_str(text, "%Y%m%d").is_ok()
}

/// A Toss user; fields left out are generated.
#[utoipa::path(post, path = "/sim/v1/users", tag = "Simulator", request_body = CreateUser,
    responses((status = 201, body = UserView), (status = 400, description = "a field is invalid")))]
pub async fn create_user(
    State(state): State<AppState>,
    SimJson(request): SimJson<CreateUser>,
) -> Result<(StatusCode, Json<UserView>), SimError> {
    let name = request
        .name
        .unwrap_or_else(|| format!("{}{}", pick(FAMILY_NAMES), pick(GIVEN_NAMES)));
    let phone = request
        .phone
        .unwrap_or_else(|| format!("10{:08}", secrets::random_in(0..=99_999_999)));
    let birthday = request.birthday.unwrap_or_else(|| {
        format!(
            "{}{:02}{:02}",
            secrets::random_in(1960..=2005),
            secrets::random_in(1..=12),
            secrets::random_in(1..=28)
        )
    });
    let gender = request
        .gender
        .as_deref()
        .map_or(Some(pick(Gender::ALL)), |text| text.parse().ok());
    let nationality = request
        .nationality
        .as_deref()
        .map_or(Some(Nationality::Local), |text| text.parse().ok());
    let calling_code = request.calling_code.unwrap_or_else(|| "82".to_owned());
    let ci = request.ci.unwrap_or_else(|| {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(secrets::random_bytes(66))
    });
    if name.is_empty() || name.chars().count() > 50 {
        return Err(SimError::bad_request("name must be 1–50 characters"));
    }
    if !digits(&phone, 8, 15) {
        return Err(SimError::bad_request(
            "phone must be 8–15 digits, without the calling code",
        ));
    }
    if !is_birthday(&birthday) {
        return Err(SimError::bad_request(
            "birthday must be a date written yyyyMMdd",
        ));
    }
    let gender = gender.ok_or_else(|| SimError::bad_request("gender must be MALE or FEMALE"))?;
    let nationality = nationality
        .ok_or_else(|| SimError::bad_request("nationality must be LOCAL or FOREIGNER"))?;
    if !digits(&calling_code, 1, 4) {
        return Err(SimError::bad_request("callingCode must be 1–4 digits"));
    }
    if request
        .email
        .as_deref()
        .is_some_and(|e| !e.contains('@') || e.chars().count() > 100)
    {
        return Err(SimError::bad_request("email must be an e-mail address"));
    }
    if ci.is_empty() || ci.len() > 100 {
        return Err(SimError::bad_request("ci must be 1–100 characters"));
    }
    let now = state.clock.now(&state.db).await?;
    // userKeys are random 9-digit numbers; a collision just draws again.
    for _ in 0..16 {
        let user = NewUser {
            user_key: secrets::random_in(100_000_000..=999_999_999),
            name: &name,
            calling_code: &calling_code,
            phone: &phone,
            birthday: &birthday,
            gender,
            nationality,
            email: request.email.as_deref(),
            ci: &ci,
            push_enabled: request.push_enabled.unwrap_or(true),
            marketing_consent: request.marketing_consent.unwrap_or(false),
            created_at: now,
        };
        if store::insert_user(state.db.writer(), &user).await? {
            return Ok((
                StatusCode::CREATED,
                Json(view(&state, user.user_key).await?),
            ));
        }
    }
    Err(anyhow::anyhow!("no free userKey found").into())
}

/// A user's profile and points balance.
#[utoipa::path(get, path = "/sim/v1/users/{userKey}", tag = "Simulator",
    params(("userKey" = i64, Path)), responses((status = 200, body = UserView), (status = 404)))]
pub async fn get_user(
    State(state): State<AppState>,
    SimPath(user_key): SimPath<String>,
) -> Result<Json<UserView>, SimError> {
    let user_key = parse_user_key(&user_key)?;
    // Grants whose settlement is due are credited before the balance is shown (docs/reference.md §2.2.2).
    let now = state.clock.now(&state.db).await?;
    crate::store::promotions::settle_due_for(&state.db, user_key, now).await?;
    Ok(Json(view(&state, user_key).await?))
}

/// A `userKey` path segment.
pub fn parse_user_key(text: &str) -> Result<i64, SimError> {
    text.parse()
        .map_err(|_| SimError::bad_request("userKey must be an integer"))
}

#[derive(Deserialize, Default, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpdateUser {
    /// Receives push notifications
    pub push_enabled: Option<bool>,
    /// Agreed to marketing messages
    pub marketing_consent: Option<bool>,
}

/// Changes a user's notification settings in Toss; absent fields stay as they are.
#[utoipa::path(patch, path = "/sim/v1/users/{userKey}", tag = "Simulator",
    params(("userKey" = i64, Path)), request_body = UpdateUser,
    responses((status = 200, body = UserView), (status = 400), (status = 404)))]
pub async fn update_user(
    State(state): State<AppState>,
    SimPath(user_key): SimPath<String>,
    SimJson(request): SimJson<UpdateUser>,
) -> Result<Json<UserView>, SimError> {
    let user_key = parse_user_key(&user_key)?;
    let changed = store::update_preferences(
        &state.db,
        user_key,
        request.push_enabled,
        request.marketing_consent,
    )
    .await?;
    if !changed {
        return Err(SimError::not_found("no such user"));
    }
    Ok(Json(view(&state, user_key).await?))
}
