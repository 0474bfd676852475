package device

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/google/uuid"
	"github.com/spf13/cobra"

	"github.com/zenctl/zenctl/internal/cmd/cmdargs"
	"github.com/zenctl/zenctl/internal/cmd/factory"
	"github.com/zenctl/zenctl/internal/cmd/outputflag"
	"github.com/zenctl/zenctl/internal/exitcode"
	"github.com/zenctl/zenctl/internal/iostreams"
	"github.com/zenctl/zenctl/internal/output"
	"github.com/zenctl/zenctl/internal/prompt"
	"github.com/zenctl/zenctl/pkg/zenml"
)

// Approving waits this long, at most, for the approved machine to pick up
// its login: it polls every few seconds (the server's interval), so a
// machine still waiting is seen within one interval. Variables so that the
// end-to-end tests can shorten the wait in the processes they start.
var (
	DefaultPickupWait         = 15 * time.Second
	DefaultPickupPollInterval = time.Second
)

// ApproveOptions are the inputs of `zenctl device approve`.
type ApproveOptions struct {
	IO           *iostreams.IOStreams
	Prompter     prompt.Prompter
	Client       ClientFunc
	OutputFormat func(flag string) (output.Format, error)
	Now          func() time.Time
	// PickupWait bounds the wait for the approved machine to log in;
	// PickupPoll is how often the device is read meanwhile.
	PickupWait, PickupPoll time.Duration

	Link    string
	Yes     bool
	Trusted bool
	NoWait  bool
	Output  string
}

// NewCmdApprove builds `zenctl device approve`.
func NewCmdApprove(f *factory.Factory, runF func(*ApproveOptions) error) *cobra.Command {
	opts := &ApproveOptions{IO: f.IOStreams, Prompter: f.Prompter, Client: f.AuthenticatedClient, OutputFormat: f.OutputFormat,
		Now: time.Now, PickupWait: DefaultPickupWait, PickupPoll: DefaultPickupPollInterval}
	cmd := &cobra.Command{
		Use:   "approve LINK",
		Short: "Approve a device login started on another machine (no browser needed)",
		Long: heredoc.Doc(`
			Approve, from this terminal, a machine that runs 'zenctl login URL
			--device' (or 'zenml login') and has no browser: a server, a
			container. LINK is the verification link that machine printed
			(.../devices/verify?device_id=...&user_code=...); '-' reads it from
			standard input.

			zenctl shows what the server knows of the waiting machine (host,
			OS, IP address, location, when it asked), asks on a terminal, and
			approves it as the account you are logged in with, which then owns
			the device ('zenctl device list'). Without a terminal it needs
			--yes. --trusted marks it a trusted device, which servers configured
			for it let stay logged in longer.

			It then waits a few seconds for the machine to finish logging in and
			says how long its session is valid (--no-wait skips that).

			-o json prints {"device": {...}, "logged_in", "login_deadline",
			"session_expires", "session_never_expires"}.
		`),
		Example: heredoc.Doc(`
			$ zenctl device approve 'https://zenml.example.com/devices/verify?device_id=3f2a…&user_code=84df…'
			$ zenctl device approve - --yes < link.txt
			$ zenctl device approve "$LINK" --server https://zenml.example.com --trusted
		`),
		Args: cmdargs.ExactArgs("LINK"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Link = args[0]
			if runF != nil {
				return runF(opts)
			}
			return runApprove(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "Approve without asking")
	cmd.Flags().BoolVar(&opts.Trusted, "trusted", false, "Mark the device trusted (a longer session where the server is configured for it)")
	cmd.Flags().BoolVar(&opts.NoWait, "no-wait", false, "Do not wait for the machine to finish logging in")
	outputflag.Add(cmd, &opts.Output)
	return cmd
}

// ApproveView is the -o json|yaml shape of device approve.
type ApproveView struct {
	Device View `json:"device"`
	// LoggedIn: the machine picked up its login while approve waited.
	LoggedIn bool `json:"logged_in"`
	// LoginDeadline is until when the machine may still log in; null once
	// it has.
	LoginDeadline *zenml.Time `json:"login_deadline"`
	// SessionExpires is when its session ends, known once it logged in;
	// SessionNeverExpires says that the server set no end.
	SessionExpires      *zenml.Time `json:"session_expires"`
	SessionNeverExpires bool        `json:"session_never_expires"`
	// ApprovedBefore: the machine had logged in as this device before,
	// and its new login request reset the device, lifting any lock.
	ApprovedBefore bool `json:"approved_before"`
}

// verificationLink is what approving needs from the link the waiting
// machine printed.
type verificationLink struct {
	deviceID, userCode string
	// origin is the link's scheme://host, "" for a relative link.
	origin string
}

// isHexCode reports whether s looks like a user code: 6 to 64 hex
// digits. A function rather than a package-level regexp: every zenctl
// start would pay for compiling one (`zenctl token` must start fast).
func isHexCode(s string) bool {
	if len(s) < 6 || len(s) > 64 {
		return false
	}
	for _, c := range []byte(s) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// parseVerificationLink reads the link in every shape it is passed on:
// whole, relative to the dashboard, or quoted by a paste.
func parseVerificationLink(s string) (verificationLink, error) {
	s = strings.Trim(strings.TrimSpace(s), `'"<>`)
	if isHexCode(s) {
		return verificationLink{}, exitcode.Usagef("a user code alone does not say which device it is for: pass the whole link `zenctl login --device` printed (it has device_id=… and user_code=…)")
	}
	u, err := url.Parse(s)
	if err != nil || s == "" {
		return verificationLink{}, exitcode.Usagef("%q is not a verification link: pass the link `zenctl login --device` printed, .../devices/verify?device_id=…&user_code=…", iostreams.OneLine(s))
	}
	q := u.Query()
	link := verificationLink{deviceID: q.Get("device_id"), userCode: q.Get("user_code")}
	if u.Scheme != "" && u.Host != "" {
		link.origin = u.Scheme + "://" + u.Host
	}
	switch {
	case link.deviceID == "" || link.userCode == "":
		return verificationLink{}, exitcode.Usagef("the link has no device_id and user_code: pass the whole link `zenctl login --device` printed, including what follows '?'")
	case uuid.Validate(link.deviceID) != nil:
		return verificationLink{}, exitcode.Usagef("the link's device_id %q is not a device id: was the link cut short?", iostreams.OneLine(link.deviceID))
	case !isHexCode(link.userCode):
		return verificationLink{}, exitcode.Usagef("the link's user_code is not a code the server issues: was the link cut short?")
	}
	return link, nil
}

// readLink takes the link from the argument, or from standard input for
// "-", where a link is kept out of the shell history.
func readLink(opts *ApproveOptions) (string, error) {
	if opts.Link != "-" {
		return opts.Link, nil
	}
	data, err := io.ReadAll(io.LimitReader(opts.IO.In, 64<<10))
	if err != nil {
		return "", fmt.Errorf("reading the link from standard input: %w", err)
	}
	return string(data), nil
}

func runApprove(ctx context.Context, opts *ApproveOptions) error {
	format, err := opts.OutputFormat(opts.Output)
	if err != nil {
		return err
	}
	raw, err := readLink(opts)
	if err != nil {
		return err
	}
	link, err := parseVerificationLink(raw)
	if err != nil {
		return err
	}
	client, target, err := opts.Client(ctx)
	if err != nil {
		return err
	}
	d, err := waitingDevice(ctx, client, target, link, opts.Now())
	if err != nil {
		return err
	}
	v := view(d, thisDeviceClientID(target))
	showWaiting(opts.IO, d, v, link, opts.Now())
	account := target.AccountName()
	question := fmt.Sprintf("Approve %s? It logs in to %s as %s.", label(v), target.URL, orYou(account))
	approvedBefore := d.Owner() != ""
	if approvedBefore {
		warnApprovedBefore(ctx, opts, client, d, v)
		question = fmt.Sprintf("Approve %s again, lifting any lock it had? It logs in to %s as %s.", label(v), target.URL, orYou(account))
	}
	if err := prompt.ConfirmOrYes(opts.IO, opts.Prompter, opts.Yes, question); err != nil {
		return err
	}
	verified, err := client.VerifyDevice(ctx, link.deviceID, link.userCode, opts.Trusted)
	if err != nil {
		return approveError(err, v, target)
	}
	v.Status, v.Trusted, v.Expires, v.Updated = verified.Body.Status, verified.Body.TrustedDevice, verified.Body.Expires, verified.Body.Updated
	result := ApproveView{Device: v, LoginDeadline: v.Expires, ApprovedBefore: approvedBefore}
	cs := opts.IO.ErrColorScheme()
	fmt.Fprintf(opts.IO.ErrOut, "%s Approved %s for %s on %s\n", cs.SuccessIcon(), label(v), orYou(account), target.URL)
	if !opts.NoWait {
		result = awaitPickup(ctx, opts, client, result)
	}
	return output.Print(opts.IO, format, result, func() error {
		fmt.Fprintln(opts.IO.ErrOut, validityText(opts.IO, result, opts.Now()))
		return nil
	})
}

// waitingDevice reads the device the link names, which the server shows
// only while it waits for an owner, and checks that it can be approved.
func waitingDevice(ctx context.Context, client *zenml.Client, target *factory.Target, link verificationLink, now time.Time) (*zenml.AuthorizedDevice, error) {
	d, err := client.PendingDevice(ctx, link.deviceID, link.userCode)
	if errors.Is(err, zenml.ErrNotFound) {
		elsewhere := ""
		if link.origin != "" && !sameHost(link.origin, target.URL) {
			elsewhere = fmt.Sprintf(" The link is from %s: if that is another server, pass --server.", iostreams.OneLine(link.origin))
		}
		return nil, fmt.Errorf("no device waits for approval with this link on %s: it was approved already, its code is wrong, or it belongs to another server; run `zenctl login URL --device` again on that machine for a new link.%s", target.URL, elsewhere)
	}
	if err != nil {
		return nil, err
	}
	host := iostreams.OneLine(text(d.Body.Hostname))
	switch {
	case d.Body.Status != zenml.DeviceStatusPending:
		return nil, fmt.Errorf("device %s is %s, not waiting for approval: `zenctl device describe %s` shows it", d.ID, d.Body.Status, iostreams.ShortID(d.ID))
	case d.Body.Expires != nil && !now.Before(d.Body.Expires.Time):
		return nil, fmt.Errorf("the link of %s expired %s; run `zenctl login URL --device` again on that machine for a new one", orUnknownHost(host), output.RelativeTime(d.Body.Expires.Time, now))
	}
	return d, nil
}

func sameHost(origin, serverURL string) bool {
	a, errA := url.Parse(origin)
	b, errB := url.Parse(serverURL)
	return errA == nil && errB == nil && strings.EqualFold(a.Hostname(), b.Hostname())
}

// showWaiting prints what the server knows of the machine, on stderr: it
// is what the question is about, and a log shows what --yes approved.
func showWaiting(ios *iostreams.IOStreams, d *zenml.AuthorizedDevice, v View, link verificationLink, now time.Time) {
	w := ios.ErrOut
	var fields []output.Field
	field := func(k, val string) {
		if val == "" {
			val = "unknown"
		}
		fields = append(fields, output.Field{Key: k, Value: iostreams.OneLine(val)})
	}
	field("Host", v.Hostname)
	field("OS", v.OS)
	field("IP address", v.IPAddress)
	field("Location", location(d.Metadata))
	field("Asked", output.HumanTime(d.Body.Updated.Time, now))
	if v.ZenMLVersion != "" {
		field("Client", "ZenML "+v.ZenMLVersion)
	}
	field("Code", shortCode(link.userCode))
	if v.Expires != nil {
		field("Link expires", output.HumanTime(v.Expires.Time, now))
	}
	fmt.Fprintln(w, "A machine asks to log in:")
	fmt.Fprint(w, output.FieldBlock(ios.ErrColorScheme(), 2, fields))
	fmt.Fprintln(w, "Approve it only if you started this login yourself and the code matches the one that machine shows.")
}

// warnApprovedBefore speaks up for a machine that was approved before: a
// new login request from it resets its device to pending, and the server
// keeps no trace of a lock (ZenML's device_authorization), so approving a
// locked laptop's request would quietly let whoever holds it back in.
func warnApprovedBefore(ctx context.Context, opts *ApproveOptions, client *zenml.Client, d *zenml.AuthorizedDevice, v View) {
	owner := d.Owner()
	if d.Body.User != nil && d.Body.User.Name != "" {
		owner = d.Body.User.Name
	}
	if me, err := client.CurrentUser(ctx); err == nil && strings.EqualFold(me.ID, d.Owner()) {
		owner = "your account, " + me.Name
	}
	lastUsed := "never"
	if v.LastLogin != nil {
		lastUsed = output.HumanTime(v.LastLogin.Time, opts.Now())
	}
	w, cs := opts.IO.ErrOut, opts.IO.ErrColorScheme()
	fmt.Fprintf(w, "%s This machine was approved before, by %s. First seen %s; last used %s.\n",
		cs.WarningIcon(), iostreams.OneLine(owner), output.HumanTime(v.Created.Time, opts.Now()), lastUsed)
	fmt.Fprintln(w, "  Its new login request reset that device: if it was locked (a lost or stolen machine), the lock is gone,")
	fmt.Fprintln(w, "  and approving lets whoever holds the machine in again. Do not approve a machine you locked.")
}

func location(m *zenml.AuthorizedDeviceMetadata) string {
	if m == nil {
		return ""
	}
	var parts []string
	for _, p := range []string{m.City, m.Region, m.Country} {
		if p = strings.TrimSpace(p); p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, ", ")
}

// shortCode is the start of the user code, which `zenctl login --device`
// shows on the other machine for comparison.
func shortCode(code string) string {
	if len(code) > 8 {
		return code[:8]
	}
	return code
}

func orYou(account string) string {
	if account == "" {
		return "your account"
	}
	return iostreams.OneLine(account)
}

func orUnknownHost(host string) string {
	if host == "" {
		return "the device"
	}
	return host
}

// approveError explains the verify endpoint's refusals, which arrive as
// the server's ValueError text.
func approveError(err error, v View, target *factory.Target) error {
	var apiErr *zenml.Error
	if !errors.As(err, &apiErr) {
		return err
	}
	again := "run `zenctl login " + target.URL + " --device` again on " + orUnknownHost(iostreams.OneLine(v.Hostname)) + " for a new link"
	switch msg := apiErr.Message; {
	case strings.Contains(msg, "expired"):
		return fmt.Errorf("the link expired before it was approved; %s", again)
	case strings.Contains(msg, "not pending"):
		return fmt.Errorf("the device was approved or reset meanwhile (%s); `zenctl device list` shows yours", iostreams.OneLine(msg))
	case strings.Contains(msg, "locked"):
		return fmt.Errorf("the device is locked after too many wrong codes; %s", again)
	}
	return err
}

// awaitPickup watches the approved device until its machine has logged in
// (status active), for at most opts.PickupWait and never past the login
// deadline. On a terminal the wait says what it waits for.
func awaitPickup(ctx context.Context, opts *ApproveOptions, client *zenml.Client, r ApproveView) ApproveView {
	deadline := opts.Now().Add(opts.PickupWait)
	if r.LoginDeadline != nil && r.LoginDeadline.Before(deadline) {
		deadline = r.LoginDeadline.Time
	}
	opts.IO.StartProgress(fmt.Sprintf("Waiting for %s to finish logging in (Ctrl-C stops waiting; the approval stands)", orUnknownHost(iostreams.OneLine(r.Device.Hostname))))
	defer opts.IO.StopProgress()
	for opts.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			return r
		case <-time.After(opts.PickupPoll):
		}
		d, err := client.GetDevice(ctx, r.Device.ID)
		if err != nil {
			// The approval stands whatever this read says; the summary
			// then tells how long the machine has to log in.
			return r
		}
		if d.Body.Status == zenml.DeviceStatusActive {
			thisMachine := r.Device.ThisMachine
			r.Device = view(d, "")
			r.Device.ThisMachine = thisMachine
			r.LoggedIn, r.LoginDeadline = true, nil
			r.SessionExpires, r.SessionNeverExpires = d.Body.Expires, d.Body.Expires == nil
			return r
		}
	}
	return r
}

// validityText says for how long the approval holds: the session's
// lifetime once the machine logged in (the server fixes it then), else the
// time the machine has left to do so.
func validityText(ios *iostreams.IOStreams, r ApproveView, now time.Time) string {
	cs := ios.ErrColorScheme()
	host := orUnknownHost(iostreams.OneLine(r.Device.Hostname))
	lock := fmt.Sprintf("`zenctl device lock %s` ends it at any time.", iostreams.ShortID(r.Device.ID))
	switch {
	case r.LoggedIn && r.SessionNeverExpires:
		return fmt.Sprintf("%s %s is logged in. Its session does not expire: the server sets no lifetime for device sessions. %s", cs.SuccessIcon(), host, lock)
	case r.LoggedIn:
		return fmt.Sprintf("%s %s is logged in. Its session is valid until %s. %s", cs.SuccessIcon(), host, output.HumanTime(r.SessionExpires.Time, now), lock)
	case r.LoginDeadline != nil && !now.Before(r.LoginDeadline.Time):
		return fmt.Sprintf("%s did not finish logging in before its link expired (%s); run `zenctl login URL --device` again there for a new one.",
			host, output.HumanTime(r.LoginDeadline.Time, now))
	case r.LoginDeadline != nil:
		return fmt.Sprintf("%s has until %s to finish logging in; the server sets its session's lifetime then (`zenctl device describe %s` shows it).",
			host, untilText(r.LoginDeadline.Time, now), iostreams.ShortID(r.Device.ID))
	}
	return fmt.Sprintf("%s can now finish logging in; `zenctl device describe %s` shows its session once it has.", host, iostreams.ShortID(r.Device.ID))
}

// untilText reads after "until": "05:06 UTC (in 5 min)", where
// output.HumanTime would give "until in 5 min".
func untilText(t, now time.Time) string {
	abs := output.AbsoluteTime(t)
	if t.UTC().Format(time.DateOnly) == now.UTC().Format(time.DateOnly) {
		abs = t.UTC().Format("15:04 UTC")
	}
	return abs + " (" + output.RelativeTime(t, now) + ")"
}
