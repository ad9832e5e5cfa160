package codex

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// Claims are the parts of an id_token or access_token that Quiver uses.
// They are read without checking the signature: they name and describe an
// account for display and never decide anything about security.
type Claims struct {
	Email            string
	Subject          string
	ChatGPTAccountID string
	ChatGPTUserID    string
	PlanType         string
	Expiry           time.Time // zero when the token carries no exp
}

// ErrMalformedJWT is returned for a token that is not a decodable JWT.
var ErrMalformedJWT = errors.New("token is not a decodable JWT")

// authClaimKey is the namespace under which OpenAI puts ChatGPT claims.
const authClaimKey = "https://api.openai.com/auth"

type rawClaims struct {
	Email string         `json:"email"`
	Sub   string         `json:"sub"`
	Exp   json.Number    `json:"exp"`
	Auth  *rawAuthClaims `json:"https://api.openai.com/auth"`
	// Some access tokens carry the email under a profile claim instead.
	Profile *struct {
		Email string `json:"email"`
	} `json:"https://api.openai.com/profile"`
}

type rawAuthClaims struct {
	ChatGPTAccountID string `json:"chatgpt_account_id"`
	ChatGPTUserID    string `json:"chatgpt_user_id"`
	UserID           string `json:"user_id"`
	PlanType         string `json:"chatgpt_plan_type"`
}

// ParseClaims decodes the payload of a JWT. Errors never include the token.
func ParseClaims(token string) (Claims, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return Claims{}, fmt.Errorf("%w: %d parts, want 3", ErrMalformedJWT, len(parts))
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return Claims{}, fmt.Errorf("%w: payload is not base64url", ErrMalformedJWT)
	}
	var raw rawClaims
	if trimmed := strings.TrimSpace(string(payload)); !strings.HasPrefix(trimmed, "{") || json.Unmarshal(payload, &raw) != nil {
		return Claims{}, fmt.Errorf("%w: payload is not a JSON object", ErrMalformedJWT)
	}
	c := Claims{Email: raw.Email, Subject: raw.Sub}
	if c.Email == "" && raw.Profile != nil {
		c.Email = raw.Profile.Email
	}
	if raw.Auth != nil {
		c.ChatGPTAccountID = raw.Auth.ChatGPTAccountID
		c.ChatGPTUserID = raw.Auth.ChatGPTUserID
		if c.ChatGPTUserID == "" {
			c.ChatGPTUserID = raw.Auth.UserID
		}
		c.PlanType = raw.Auth.PlanType
	}
	if raw.Exp != "" {
		secs, err := raw.Exp.Float64()
		if err != nil {
			return Claims{}, fmt.Errorf("%w: exp is not a number", ErrMalformedJWT)
		}
		// An exp of 0, a negative one or 1e300 is not a time: taken as is
		// it would mean "never refresh" (or overflow into the past).
		if secs <= 0 || secs >= maxEpoch || math.IsNaN(secs) {
			return Claims{}, fmt.Errorf("%w: exp %g is out of range", ErrMalformedJWT, secs)
		}
		c.Expiry = time.Unix(int64(secs), 0).UTC()
	}
	return c, nil
}
