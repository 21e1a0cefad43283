//! Toss login end to end against tossd started in this process: the user logs in (the simulator plays
//! `appLogin()`), then the partner's backend exchanges the code, reads and decrypts the profile, refreshes
//! the access token and disconnects the user.
//!
//! `cargo run -p toss-client --example login`

use reqwest::Method;
use serde_json::Value;
use toss_client::apps_in_toss::login::Decryptor;
use toss_client::wire::apps_in_toss::login::{GenerateTokenRequest, RefreshTokenRequest};
use toss_client::Client;
use tossd::testing::TestServer;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let toss = TestServer::start().await?;
    // Against real Toss: the partner's mTLS identity instead of a base URL.
    let client = Client::builder().base_url(toss.url()).build()?;

    // The user's side: a Toss user logs in to the mini-app, which hands the code to its backend.
    let user_key = toss.create_user("김토스").await?;
    let code = toss.login(user_key).await?;
    println!(
        "appLogin() returned code {} ({})",
        code.authorization_code, code.referrer
    );

    let tokens = client
        .login()
        .generate_token(GenerateTokenRequest::new(
            code.authorization_code,
            code.referrer,
        ))
        .await?;
    println!(
        "generate-token: scopes {:?}, expires in {} s",
        tokens.scope, tokens.expires_in
    );

    // The app's decryption key and AAD come from the console; tossd's simulator shows them.
    let app = toss
        .sim(Method::GET, "/sim/v1/apps/default", Value::Null)
        .await?;
    let decryptor = Decryptor::new(
        app["decryptionKey"].as_str().unwrap_or_default(),
        app["aad"].as_str().unwrap_or_default(),
    )?;
    let me = client.login().me(&tokens.access_token).await?;
    println!("login-me (encrypted): name = {:?}", me.name);
    let profile = decryptor.login_me(&me)?;
    println!(
        "login-me (decrypted): {:?}, born {:?}, {:?}, e-mail {:?}",
        profile.name,
        profile.birthday,
        profile.gender.as_ref().map(ToString::to_string),
        profile.email
    );

    let refreshed = client
        .login()
        .refresh_token(RefreshTokenRequest::new(&tokens.refresh_token))
        .await?;
    println!(
        "refresh-token: a new access token, same refresh token: {}",
        refreshed.refresh_token == tokens.refresh_token
    );

    let removed = client
        .login()
        .remove_by_access_token(&refreshed.access_token)
        .await?;
    println!(
        "remove-by-access-token: user {} disconnected",
        removed.user_key
    );
    match client.login().me(&refreshed.access_token).await {
        Err(e) => println!("login-me after the removal: {e}"),
        Ok(_) => println!("login-me after the removal unexpectedly succeeded"),
    }

    toss.stop().await?;
    Ok(())
}
