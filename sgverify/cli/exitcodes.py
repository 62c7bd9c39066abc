"""Named exit codes, shared by every command."""

EXIT_OK = 0  # every assertion holds / no finding that fails the run
EXIT_VIOLATED = 1  # some assertion violated (or the gate found what it fails on)
EXIT_INPUT = 2  # invalid input or usage: one line per problem on stderr
EXIT_UNKNOWN = 3  # some assertion unknown (timeout...), none violated
EXIT_CRASH = 4  # a bug in sgverify: the traceback is printed
EXIT_BROKEN_PIPE = 141  # stdout's reader went away before the report was written (as SIGPIPE would end it)
