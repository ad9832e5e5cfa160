// Package codex holds everything specific to OpenAI's Codex CLI and its
// ChatGPT sign-in: the claims inside its JWTs, the auth.json file the CLI
// reads, the OAuth endpoints, and the ChatGPT backend's usage endpoint.
//
// Nothing here keeps state between calls; app/account owns accounts.
package codex
