package simulator

import (
	"net/http"
	"strings"

	"github.com/aether365/terraform-provider-aether365/api"
)

// tenantMe names the key's own account in paths, as the seed does.
const tenantMe = "me"

// principal is the caller an API key authenticates: one account per key.
type principal struct {
	apiKey  string
	account string
}

// withAuthentication answers 401 unless the request carries a known key,
// and records the caller for the API behind it.
func (s *Server) withAuthentication(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ex := exchangeOf(r)
		if ex.authErr != nil {
			writeError(w, ex, ex.authErr)
			return
		}
		account, known := s.apiKeys[ex.presentedKey]
		if !known {
			writeError(w, ex, unauthorized(api.ErrorCodeAuthInvalidToken,
				"the API key is not valid; generate one in Settings > API Keys"))
			return
		}
		ex.caller = principal{apiKey: ex.presentedKey, account: account}
		next.ServeHTTP(w, r)
	})
}

func unauthorized(code api.ErrorCode, message string) *apiError {
	return &apiError{Status: http.StatusUnauthorized, Code: code, Message: message}
}

// bearerToken extracts the key from "Bearer <key>". No header is
// AUTH_MISSING_TOKEN, any other malformed one AUTH_INVALID_TOKEN. The
// messages name what is wrong but never echo the header, which holds a
// secret.
func bearerToken(header string) (string, *apiError) {
	const malformed = "malformed Authorization header; send Authorization: Bearer <API key>"
	if header == "" {
		return "", unauthorized(api.ErrorCodeAuthMissingToken, "missing Authorization header; send Authorization: Bearer <API key>")
	}
	scheme, token, found := strings.Cut(header, " ")
	if !found || !strings.EqualFold(scheme, "Bearer") {
		return "", unauthorized(api.ErrorCodeAuthInvalidToken, malformed)
	}
	token = strings.TrimSpace(token)
	if token == "" || strings.ContainsAny(token, " \t") {
		return "", unauthorized(api.ErrorCodeAuthInvalidToken, malformed)
	}
	return token, nil
}
