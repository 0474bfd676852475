package device

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/zenctl/zenctl/internal/cmd/complete"
	"github.com/zenctl/zenctl/internal/iostreams"
	"github.com/zenctl/zenctl/pkg/zenml"
)

// completeDeviceArg completes a command's one ID with the ids of the
// account's devices, each described by its host and state, and never
// with file names. want, when set, keeps only devices it accepts (lock
// offers the unlocked ones, unlock the locked).
func completeDeviceArg(authenticated ClientFunc, want func(zenml.AuthorizedDevice) bool) cobra.CompletionFunc {
	return complete.FirstArgFromServer(authenticated, func(ctx context.Context, client *zenml.Client, prefix string) ([]cobra.Completion, error) {
		page, err := client.ListDevices(ctx, zenml.ListParams{Size: 100})
		if err != nil {
			return nil, err
		}
		var ids []cobra.Completion
		for _, d := range page.Items {
			if !strings.HasPrefix(d.ID, prefix) || (want != nil && !want(d)) {
				continue
			}
			ids = append(ids, cobra.CompletionWithDesc(iostreams.EscapeLine(d.ID), iostreams.EscapeLine(deviceSummary(d))))
		}
		return ids, nil
	})
}

// deviceSummary is "HOST, OS, STATUS" with what the server knows.
func deviceSummary(d zenml.AuthorizedDevice) string {
	var parts []string
	for _, p := range []*string{d.Body.Hostname, d.Body.OS} {
		if p != nil && *p != "" {
			parts = append(parts, *p)
		}
	}
	return strings.Join(append(parts, d.Body.Status), ", ")
}

// addDeviceCompletion gives every subcommand named by a device (its Use
// ends in ID) the completion of device ids.
func addDeviceCompletion(parent *cobra.Command, authenticated ClientFunc) {
	locked := func(d zenml.AuthorizedDevice) bool { return d.Body.Status == "locked" }
	for _, c := range parent.Commands() {
		if !strings.HasSuffix(c.Use, " ID") || c.ValidArgsFunction != nil {
			continue
		}
		switch c.Name() {
		case "lock":
			c.ValidArgsFunction = completeDeviceArg(authenticated, func(d zenml.AuthorizedDevice) bool { return !locked(d) })
		case "unlock":
			c.ValidArgsFunction = completeDeviceArg(authenticated, locked)
		default:
			c.ValidArgsFunction = completeDeviceArg(authenticated, nil)
		}
	}
}
