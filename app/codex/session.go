package codex

import (
	"encoding/base64"
	"encoding/json"
	"strings"
)

// SignInSession names the sign-in an id_token comes from: its "sid"
// (session id) claim, else its "auth_time" (when the user signed in). A
// refresh keeps both; a new sign-in changes them. It is "" when the token
// carries neither or is not a JWT. Like every claim, it is read without
// checking the signature: it only tells logins apart, it grants nothing.
func SignInSession(idToken string) string {
	parts := strings.Split(idToken, ".")
	if len(parts) != 3 {
		return ""
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return ""
	}
	var c struct {
		Sid      string      `json:"sid"`
		AuthTime json.Number `json:"auth_time"`
		Sub      string      `json:"sub"`
	}
	if json.Unmarshal(payload, &c) != nil {
		return ""
	}
	switch {
	case c.Sid != "":
		return "sid:" + c.Sid
	case c.AuthTime != "":
		return "auth_time:" + c.Sub + ":" + c.AuthTime.String()
	}
	return ""
}
