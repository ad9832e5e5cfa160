package codex_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/quiver-app/quiver/app/codex"
	"github.com/quiver-app/quiver/app/codex/codextest"
)

// jwtWithPayload returns a token whose payload segment is payload, encoded as
// base64url without padding unless enc says otherwise.
func jwtWithPayload(payload string, enc *base64.Encoding) string {
	if enc == nil {
		enc = base64.RawURLEncoding
	}
	head := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"RS256","typ":"JWT"}`))
	return head + "." + enc.EncodeToString([]byte(payload)) + ".c2lnbmF0dXJl"
}

func jwtJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestParseClaimsMinted(t *testing.T) {
	t.Parallel()
	exp := time.Date(2030, 1, 2, 3, 4, 5, 999, time.UTC)
	tok := codextest.MintJWT(codextest.Identity{Email: "ann@example.com", AccountID: "acc-1", UserID: "user-1", Plan: "pro"}, exp)
	c, err := codex.ParseClaims(tok)
	if err != nil {
		t.Fatalf("ParseClaims: %v", err)
	}
	want := codex.Claims{
		Email: "ann@example.com", Subject: "auth0|user-1",
		ChatGPTAccountID: "acc-1", ChatGPTUserID: "user-1", PlanType: "pro",
		Expiry: exp.Truncate(time.Second),
	}
	if c != want {
		t.Errorf("claims\n got %+v\nwant %+v", c, want)
	}
}

func TestParseClaims(t *testing.T) {
	t.Parallel()
	const auth = "https://api.openai.com/auth"
	tests := []struct {
		name    string
		token   string
		want    codex.Claims
		wantErr string // "" = success; else a substring of the error
	}{
		{
			name:  "exp integer",
			token: jwtWithPayload(`{"email":"a@b.c","sub":"s","exp":1760000000}`, nil),
			want:  codex.Claims{Email: "a@b.c", Subject: "s", Expiry: time.Unix(1760000000, 0).UTC()},
		},
		{
			name:  "exp float",
			token: jwtWithPayload(`{"exp":1760000000.75}`, nil),
			want:  codex.Claims{Expiry: time.Unix(1760000000, 0).UTC()},
		},
		{
			name:  "exp exponent",
			token: jwtWithPayload(`{"exp":1.76e9}`, nil),
			want:  codex.Claims{Expiry: time.Unix(1760000000, 0).UTC()},
		},
		{
			name:  "exp missing",
			token: jwtWithPayload(`{"email":"a@b.c"}`, nil),
			want:  codex.Claims{Email: "a@b.c"},
		},
		{
			name:    "exp not a number",
			token:   jwtWithPayload(`{"exp":"tomorrow"}`, nil),
			wantErr: "not",
		},
		{
			name:    "exp boolean",
			token:   jwtWithPayload(`{"exp":true}`, nil),
			wantErr: "not",
		},
		{
			name:    "exp far beyond any time",
			token:   jwtWithPayload(`{"exp":1e300}`, nil),
			wantErr: "out of range",
		},
		{
			name:    "exp negative",
			token:   jwtWithPayload(`{"exp":-5}`, nil),
			wantErr: "out of range",
		},
		{
			name:  "padded payload",
			token: jwtWithPayload(`{"email":"pad@b.c"}`, base64.URLEncoding),
			want:  codex.Claims{Email: "pad@b.c"},
		},
		{
			name: "auth claims, user_id fallback",
			token: jwtWithPayload(jwtJSON(t, map[string]any{auth: map[string]any{
				"chatgpt_account_id": "acc", "user_id": "uid", "chatgpt_plan_type": "team",
			}}), nil),
			want: codex.Claims{ChatGPTAccountID: "acc", ChatGPTUserID: "uid", PlanType: "team"},
		},
		{
			name: "chatgpt_user_id wins over user_id",
			token: jwtWithPayload(jwtJSON(t, map[string]any{auth: map[string]any{
				"chatgpt_user_id": "cuid", "user_id": "uid",
			}}), nil),
			want: codex.Claims{ChatGPTUserID: "cuid"},
		},
		{
			name:  "email from the profile claim",
			token: jwtWithPayload(`{"https://api.openai.com/profile":{"email":"p@b.c"}}`, nil),
			want:  codex.Claims{Email: "p@b.c"},
		},
		{
			name:  "top-level email wins over profile",
			token: jwtWithPayload(`{"email":"top@b.c","https://api.openai.com/profile":{"email":"p@b.c"}}`, nil),
			want:  codex.Claims{Email: "top@b.c"},
		},
		{name: "two parts", token: "eyJhbGciOiJub25lIn0.eyJlbWFpbCI6ImFAYi5jIn0", wantErr: "2 parts"},
		{name: "one part", token: "opaque-access-token", wantErr: "1 parts"},
		{name: "four parts", token: "a.b.c.d", wantErr: "4 parts"},
		{name: "empty", token: "", wantErr: "1 parts"},
		{name: "bad base64", token: "eyJhbGciOiJub25lIn0.!!not*base64!!.sig", wantErr: "base64url"},
		{name: "standard base64 alphabet", token: "eyJhbGciOiJub25lIn0.eyJ+/w.sig", wantErr: "base64url"},
		{name: "payload not JSON", token: jwtWithPayload("hello, world", nil), wantErr: "not a JSON object"},
		{name: "payload a JSON array", token: jwtWithPayload(`[1,2]`, nil), wantErr: "not a JSON object"},
		{name: "payload a JSON string", token: jwtWithPayload(`"x"`, nil), wantErr: "not a JSON object"},
		{name: "payload empty", token: jwtWithPayload(``, nil), wantErr: "not a JSON object"},
		{name: "email of the wrong type", token: jwtWithPayload(`{"email":42}`, nil), wantErr: "not a JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := codex.ParseClaims(tt.token)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("ParseClaims: %v", err)
				}
				if c != tt.want {
					t.Errorf("claims\n got %+v\nwant %+v", c, tt.want)
				}
				return
			}
			if !errors.Is(err, codex.ErrMalformedJWT) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want ErrMalformedJWT mentioning %q", err, tt.wantErr)
			}
			assertErrHidesTokens(t, err, tt.token)
		})
	}
}

// TestParseClaimsRejectsNonObjects covers payloads that are valid JSON but
// not one object.
func TestParseClaimsRejectsNonObjects(t *testing.T) {
	t.Parallel()
	for name, payload := range map[string]string{"null": `null`, "trailing data": `{"email":"a@b.c"} trailing`} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := codex.ParseClaims(jwtWithPayload(payload, nil))
			if !errors.Is(err, codex.ErrMalformedJWT) {
				t.Fatalf("ParseClaims accepted payload %q (json.Decoder.Decode takes null as an empty object and ignores trailing data); want ErrMalformedJWT", payload)
			}
		})
	}
}

// assertErrHidesTokens fails when err's text contains any segment of token
// longer than a few characters.
func assertErrHidesTokens(t *testing.T, err error, tokens ...string) {
	t.Helper()
	if err == nil {
		return
	}
	msg := err.Error()
	for _, tok := range tokens {
		for _, part := range strings.Split(tok, ".") {
			if len(part) >= 8 && strings.Contains(msg, part) {
				t.Errorf("error %q contains token text %q", msg, part)
			}
		}
	}
}

func FuzzParseClaims(f *testing.F) {
	f.Add(codextest.MintJWT(codextest.Identity{Email: "a@b.c", AccountID: "acc"}, time.Unix(1760000000, 0)))
	f.Add("a.b.c")
	f.Add(jwtWithPayload(`{"exp":1e400}`, nil))
	f.Fuzz(func(t *testing.T, token string) {
		_, err := codex.ParseClaims(token)
		if err != nil && !errors.Is(err, codex.ErrMalformedJWT) {
			t.Errorf("error %v does not match ErrMalformedJWT", err)
		}
	})
}
