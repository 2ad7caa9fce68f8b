package simulator

import (
	"net/http"
	"slices"
	"strings"

	"github.com/aether365/terraform-provider-aether365/internal/apicode"
)

// principal is the caller an API key authenticates.
type principal struct {
	apiKey  string
	tenants []string
}

// canSee reports whether the key may see tenant (an ID, not "me").
func (p principal) canSee(tenant string) bool { return slices.Contains(p.tenants, tenant) }

// withAuthentication answers 401 unless the request carries a known key,
// and records the caller for the API behind it.
func (s *Server) withAuthentication(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ex := exchangeOf(r)
		if ex.authErr != nil {
			writeError(w, ex.requestID, ex.authErr)
			return
		}
		tenants, known := s.apiKeys[ex.presentedKey]
		if !known {
			writeError(w, ex.requestID, unauthorized("the API key is not valid; generate one in Settings > API Keys"))
			return
		}
		ex.caller = principal{apiKey: ex.presentedKey, tenants: tenants}
		next.ServeHTTP(w, r)
	})
}

func unauthorized(message string) *apiError {
	return &apiError{Status: http.StatusUnauthorized, Code: apicode.Unauthorized, Message: message}
}

// bearerToken extracts the key from "Bearer <key>". The error messages name
// what is wrong but never echo the header, which holds a secret.
func bearerToken(header string) (string, *apiError) {
	if header == "" {
		return "", unauthorized("missing Authorization header; send Authorization: Bearer <API key>")
	}
	scheme, token, found := strings.Cut(header, " ")
	if !found || !strings.EqualFold(scheme, "Bearer") {
		return "", unauthorized("malformed Authorization header; send Authorization: Bearer <API key>")
	}
	token = strings.TrimSpace(token)
	if token == "" || strings.ContainsAny(token, " \t") {
		return "", unauthorized("malformed Authorization header; send Authorization: Bearer <API key>")
	}
	return token, nil
}
