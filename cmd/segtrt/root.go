package main

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/segtrt/segtrt/internal/usage"
	"github.com/segtrt/segtrt/onnx/onnxio"
)

func newRootCmd(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "segtrt",
		Short: "Take segmentation networks from ONNX to TensorRT engines and gate their release",
		Long: `segtrt inspects and prepares ONNX segmentation networks (SPGNet, SGCPNet),
calibrates them for INT8 on Cityscapes-layout data, builds TensorRT engines and
validates accuracy (mIoU) and speed against release targets.

Exit codes: 0 ok, 1 error, 2 bad usage, 3 a validation target was missed,
130/143 interrupted by SIGINT/SIGTERM.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	// External data must resolve inside the model's folder; data stores
	// that keep weights behind links to a cache elsewhere need this.
	root.PersistentFlags().BoolVar(&onnxio.AllowExternalLinks, "allow-external-links", false,
		"let a model's external data resolve through links to files outside its folder (regular files only)")
	// Flag mistakes are usage errors (exit 2), not failures of the work.
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usage.Errorf("%s: %v (see '%s --help')", c.CommandPath(), err, c.CommandPath())
	})
	// nil: each command's real work (tests give functions that record
	// what the flags parsed to instead).
	root.AddCommand(
		newInspectCmd(nil),
		newExportCmd(nil),
		newDatasetCmd(nil, nil),
		newCalibrateCmd(nil),
		newBuildCmd(nil),
		newValidateCmd(nil, nil),
		newDoctorCmd(nil),
		newVersionCmd(),
	)
	return root
}

// usageArgs wraps a cobra positional-argument check so that a wrong count
// exits with code 2.
func usageArgs(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if err := check(c, args); err != nil {
			return usage.Errorf("%s: %v (see '%s --help')", c.CommandPath(), err, c.CommandPath())
		}
		return nil
	}
}
