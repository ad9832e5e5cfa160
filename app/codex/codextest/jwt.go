// Package codextest provides fakes of OpenAI's upstreams for tests: JWTs
// shaped like the real ones, an OAuth server and a ChatGPT backend, all on
// 127.0.0.1.
package codextest

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Identity describes the account a minted token belongs to.
type Identity struct {
	Email     string
	AccountID string // chatgpt_account_id
	UserID    string // chatgpt_user_id
	Plan      string // chatgpt_plan_type; "plus" when empty
}

// MintJWT returns an unsigned-looking JWT (random signature bytes) whose
// payload carries the claims the real OpenAI tokens carry.
func MintJWT(id Identity, exp time.Time) string {
	plan := id.Plan
	if plan == "" {
		plan = "plus"
	}
	payload := map[string]any{
		"email": id.Email,
		"sub":   "auth0|" + id.UserID,
		"exp":   exp.Unix(),
		"iat":   time.Now().Unix(),
		"https://api.openai.com/auth": map[string]any{
			"chatgpt_account_id": id.AccountID,
			"chatgpt_user_id":    id.UserID,
			"chatgpt_plan_type":  plan,
		},
	}
	head := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"RS256","typ":"JWT"}`))
	body, err := json.Marshal(payload)
	if err != nil {
		panic(err)
	}
	sig := make([]byte, 32)
	rand.Read(sig)
	return head + "." + base64.RawURLEncoding.EncodeToString(body) + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// RandomToken returns an opaque token such as a refresh token.
func RandomToken(prefix string) string {
	b := make([]byte, 24)
	rand.Read(b)
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

// AuthJSON returns the bytes of a Codex CLI auth.json for id, with fresh
// tokens expiring at exp. It returns the refresh token it put in too.
func AuthJSON(id Identity, exp time.Time) (data []byte, refresh string) {
	refresh = RandomToken("rt_")
	f := map[string]any{
		"auth_mode":      "chatgpt",
		"OPENAI_API_KEY": nil,
		"tokens": map[string]any{
			"id_token":      MintJWT(id, exp),
			"access_token":  MintJWT(id, exp),
			"refresh_token": refresh,
			"account_id":    id.AccountID,
		},
		"last_refresh": time.Now().UTC().Format(time.RFC3339),
	}
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		panic(err)
	}
	return data, refresh
}

// WriteAuthJSON writes an auth.json for id into dir (created if missing) the
// way the Codex CLI does: a temporary file renamed over the target.
func WriteAuthJSON(dir string, id Identity, exp time.Time) (refresh string, err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	data, refresh := AuthJSON(id, exp)
	tmp := filepath.Join(dir, fmt.Sprintf(".auth.json.%d.tmp", time.Now().UnixNano()))
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return "", err
	}
	return refresh, os.Rename(tmp, filepath.Join(dir, "auth.json"))
}
