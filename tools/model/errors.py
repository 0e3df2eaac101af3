"""One user-facing error type and the CLI wrapper that turns it into one line and exit code 2."""
import sys


class UserError(Exception):
    """Bad input from the user (unknown arch, checkpoint that does not fit, dataset that is not COCO).
    The message is printed as is, without a traceback."""


def run_cli(prog, main, argv=None):
    from architectures import ConfigError

    try:
        return main(argv) or 0
    except (UserError, ConfigError) as e:
        print(f"{prog}: error: {e}", file=sys.stderr)
        return 2
