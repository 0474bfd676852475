package device

import (
	"context"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/zenctl/zenctl/internal/iostreams"
	"github.com/zenctl/zenctl/pkg/zenml"
)

// completionTimeout bounds the server round trip behind a Tab press: a
// shell that hangs is worse than one that offers nothing.
const completionTimeout = 2 * time.Second

// completeDeviceArg completes a command's one ID with the ids of the
// account's devices, each described by its host and state, and never
// with file names. want, when set, keeps only devices it accepts (lock
// offers the unlocked ones, unlock the locked).
func completeDeviceArg(authenticated ClientFunc, want func(zenml.AuthorizedDevice) bool) cobra.CompletionFunc {
	return func(_ *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) != 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		ctx, cancel := context.WithTimeout(context.Background(), completionTimeout)
		defer cancel()
		client, _, err := authenticated(ctx)
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		page, err := client.ListDevices(ctx, zenml.ListParams{Size: 100})
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var ids []cobra.Completion
		for _, d := range page.Items {
			if !strings.HasPrefix(d.ID, toComplete) || (want != nil && !want(d)) {
				continue
			}
			ids = append(ids, cobra.CompletionWithDesc(d.ID, iostreams.EscapeLine(deviceSummary(d))))
		}
		return ids, cobra.ShellCompDirectiveNoFileComp
	}
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
