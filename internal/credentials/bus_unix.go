//go:build (dragonfly && cgo) || (freebsd && cgo) || linux || netbsd || openbsd

package credentials

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// sessionBusCheck rejects, without any D-Bus traffic, the setups where
// go-keyring cannot work or would hang: with no session bus address, godbus
// auto-launches a private bus (via dbus-launch, when dbus-x11 is installed)
// that has no unlocked Secret Service, and the keyring call then waits
// forever for an unlock prompt.
func sessionBusCheck() error {
	return checkBusAddress(os.Getenv("DBUS_SESSION_BUS_ADDRESS"), os.Getuid(), pathExists)
}

func pathExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// checkBusAddress mirrors how godbus finds the session bus, stopping where
// godbus would auto-launch one. Only unix:path addresses can be disproven
// cheaply; anything else is left to the bounded keyring call.
func checkBusAddress(addr string, uid int, exists func(string) bool) error {
	if addr == "" || addr == "autolaunch:" {
		run := "/run/user/" + strconv.Itoa(uid)
		if exists(run+"/bus") || exists(run+"/dbus-session") {
			return nil
		}
		return fmt.Errorf("no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set and %s/bus does not exist)", run)
	}
	var missing []string
	for _, a := range strings.Split(addr, ";") {
		transport, params, _ := strings.Cut(strings.TrimSpace(a), ":")
		if transport != "unix" {
			return nil
		}
		path := ""
		for _, kv := range strings.Split(params, ",") {
			if k, v, ok := strings.Cut(kv, "="); ok && k == "path" {
				path = unescapeBusValue(v)
			}
		}
		if path == "" || exists(path) {
			return nil // abstract sockets and the like: cannot check cheaply
		}
		missing = append(missing, path)
	}
	if len(missing) == 0 {
		return nil
	}
	return fmt.Errorf("no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS points to %s, which does not exist)", strings.Join(missing, ", "))
}

// unescapeBusValue undoes D-Bus address escaping (%XX for unsafe bytes).
func unescapeBusValue(v string) string {
	if !strings.Contains(v, "%") {
		return v
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] == '%' && i+2 < len(v) {
			if n, err := strconv.ParseUint(v[i+1:i+3], 16, 8); err == nil {
				b.WriteByte(byte(n))
				i += 2
				continue
			}
		}
		b.WriteByte(v[i])
	}
	return b.String()
}
