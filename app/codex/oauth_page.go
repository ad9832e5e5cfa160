package codex

import (
	"bytes"
	"html/template"
	"net/http"
	"strconv"
)

// loginPage is what the browser sees when it comes back from signing in.
type loginPage struct {
	Failed bool
	Email  string // the signed-in account; may be empty
	Reason string // why it failed; never holds a secret
}

var loginPageTemplate = template.Must(template.New("login").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{if .Failed}}Quiver: sign-in failed{{else}}Quiver: signed in{{end}}</title>
<style>
body{font-family:system-ui,sans-serif;margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;background:#f6f7f9;color:#1d1f23}
main{max-width:32rem;padding:2rem;background:#fff;border-radius:12px;box-shadow:0 1px 4px #0002}
h1{font-size:1.25rem;margin:0 0 .5rem}
p{margin:.25rem 0;line-height:1.4}
</style></head><body><main>
{{if .Failed}}<h1>Quiver could not sign you in</h1>
<p>{{.Reason}}</p>
{{else}}<h1>{{if .Email}}Signed in to Quiver as {{.Email}}{{else}}Signed in to Quiver{{end}} — you can close this tab</h1>
<p>The account now appears in Quiver.</p>
{{end}}</main></body></html>
`))

// writeLoginPage renders p with status. The page loads nothing and may not
// be framed or cached.
func writeLoginPage(w http.ResponseWriter, status int, p loginPage) {
	var buf bytes.Buffer
	if err := loginPageTemplate.Execute(&buf, p); err != nil {
		http.Error(w, "Quiver: could not render the page", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
	h.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}
