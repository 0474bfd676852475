package zenml

import (
	"fmt"
	"strconv"
)

// ServerIdentityError means a URL is answered by another server than the
// one a credential was issued by: its /info id differs from the id
// recorded at login, or it reports none. Nothing secret should be sent to
// it.
type ServerIdentityError struct {
	Server string
	// Recorded is the id recorded at login; Reported the one /info gives
	// now ("" when it gives none).
	Recorded, Reported string
}

func (e *ServerIdentityError) Error() string {
	reported := "reports no server id"
	if e.Reported != "" {
		reported = "reports server id " + strconv.QuoteToASCII(e.Reported)
	}
	return fmt.Sprintf("%s %s, not %q as when you logged in; no stored secret was sent to it", e.Server, reported, e.Recorded)
}

// CheckServerIdentity compares what a server reports now with the id
// recorded when a credential was stored. No recorded id (a login older
// than the record, or a server that reported none) cannot be checked and
// passes; a recorded id is matched exactly, so that a server that
// stopped reporting one is not taken for the same server.
func CheckServerIdentity(serverURL, recorded string, info *ServerInfo) error {
	if recorded == "" || info != nil && info.ID == recorded {
		return nil
	}
	e := &ServerIdentityError{Server: serverURL, Recorded: recorded}
	if info != nil {
		e.Reported = info.ID
	}
	return e
}
