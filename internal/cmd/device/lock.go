package device

import (
	"context"
	"fmt"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/zenctl/zenctl/internal/cmd/cmdargs"
	"github.com/zenctl/zenctl/internal/cmd/factory"
	"github.com/zenctl/zenctl/internal/iostreams"
	"github.com/zenctl/zenctl/internal/prompt"
	"github.com/zenctl/zenctl/pkg/zenml"
)

// LockOptions are the inputs of `zenctl device lock` and `unlock`.
type LockOptions struct {
	IO       *iostreams.IOStreams
	Prompter prompt.Prompter
	Client   ClientFunc

	Device string
	Lock   bool
	Yes    bool
}

// NewCmdLock builds `zenctl device lock`.
func NewCmdLock(f *factory.Factory, runF func(*LockOptions) error) *cobra.Command {
	return newLockCmd(f, runF, true, &cobra.Command{
		Use:   "lock ID",
		Short: "Lock a device: its tokens stop working at once",
		Long: heredoc.Doc(`
			Lock one of your devices, e.g. a lost laptop. Its tokens get 401 at
			once. Nothing is revoked: 'zenctl device unlock' makes the same
			tokens work again, 'zenctl device delete' ends them for good.

			A new device login from the locked machine resets the device to
			waiting, and the server forgets the lock: the login then needs
			your approval, and 'zenctl device approve' warns that the machine
			was approved before. Do not approve it.

			Locking this machine's own session logs this client out; that needs
			a confirmation on a terminal and --yes in scripts.
		`),
		Example: "$ zenctl device lock 3f2a9c",
	})
}

// NewCmdUnlock builds `zenctl device unlock`.
func NewCmdUnlock(f *factory.Factory, runF func(*LockOptions) error) *cobra.Command {
	return newLockCmd(f, runF, false, &cobra.Command{
		Use:   "unlock ID",
		Short: "Unlock a device: its old tokens work again",
		Long: heredoc.Doc(`
			Unlock a locked device. The tokens it had before the lock work
			again at once; its device code is spent, so logging in from it anew
			needs a new device flow. A device that is not locked (active, or
			waiting after a new login request) is left as it is.
		`),
		Example: "$ zenctl device unlock 3f2a9c",
	})
}

func newLockCmd(f *factory.Factory, runF func(*LockOptions) error, lock bool, cmd *cobra.Command) *cobra.Command {
	opts := &LockOptions{IO: f.IOStreams, Prompter: f.Prompter, Client: f.AuthenticatedClient, Lock: lock}
	cmd.Args = cmdargs.ExactArgs("ID")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		opts.Device = args[0]
		if runF != nil {
			return runF(opts)
		}
		return runLock(cmd.Context(), opts)
	}
	if lock {
		cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "Lock this machine's own session without asking")
	}
	return cmd
}

func runLock(ctx context.Context, opts *LockOptions) error {
	cs := opts.IO.ErrColorScheme()
	client, target, err := opts.Client(ctx)
	if err != nil {
		return err
	}
	d, err := resolve(ctx, client, opts.Device)
	if err != nil {
		return err
	}
	v := view(d, thisDeviceClientID(target))
	if locked := v.Status == zenml.DeviceStatusLocked; locked == opts.Lock {
		// Unlocking sets a device active whatever it was, which would
		// also switch on one locked by wrong codes before its first login.
		state := "already locked"
		if !opts.Lock {
			state = "not locked (it is " + v.Status + ")"
		}
		fmt.Fprintf(opts.IO.ErrOut, "%s Device %s is %s: nothing changed.\n", cs.SuccessIcon(), label(v), state)
		return nil
	}
	endsOwnSession := opts.Lock && v.ThisMachine && loggedInWithDevice(target)
	if endsOwnSession {
		question := fmt.Sprintf("%s is this machine's own session: locking it logs this client out of %s. Lock it?", label(v), target.URL)
		if err := prompt.ConfirmOrYes(opts.IO, opts.Prompter, opts.Yes, question); err != nil {
			return err
		}
	}
	if opts.Lock {
		_, err = client.LockDevice(ctx, d.ID)
	} else {
		_, err = client.UnlockDevice(ctx, d.ID)
	}
	if err != nil {
		return err
	}
	if opts.Lock {
		fmt.Fprintf(opts.IO.ErrOut, "%s Locked device %s\n", cs.SuccessIcon(), label(v))
		fmt.Fprintln(opts.IO.ErrOut, "  Its tokens get 401 from now on. A new device login from it needs your approval again: do not give it.")
		fmt.Fprintln(opts.IO.ErrOut, "  Nothing is revoked: `zenctl device unlock` makes the same tokens work again; `zenctl device delete` ends them.")
	} else {
		fmt.Fprintf(opts.IO.ErrOut, "%s Unlocked device %s\n", cs.SuccessIcon(), label(v))
		fmt.Fprintln(opts.IO.ErrOut, "  The tokens it had before the lock work again; a new login from it needs a new device flow.")
	}
	if endsOwnSession {
		fmt.Fprintf(opts.IO.ErrOut, "%s This client is logged out of %s until the device is unlocked or you log in again\n", cs.WarningIcon(), target.URL)
	}
	return nil
}
