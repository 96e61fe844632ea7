"""One cold start, as the Lambda Python runtime runs it: import a handler, then give it one event.

    python bench/lambda_runtime.py functions/ingest/app.py EVENTS.json RESULT.json

`bench/cold_start.py` runs this in a fresh interpreter, with the environment the template gives
the function and AWS_ENDPOINT_URL pointing at the sandbox. EVENTS.json holds two events: the
first is the cold start's, the second comes to the same process, warm. It writes to RESULT.json
the wall and CPU seconds of the import and of each event, and what the handler returned. Only
what the runtime itself loads before it imports a handler (json, os, sys, time) is loaded
before the clock starts.
"""

import json
import os
import sys
import time

MARK = "lambda_runtime: "  # on stderr, where each phase starts


class Context:
    """The attributes Powertools reads from a Lambda context."""

    function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "function")
    function_version = "$LATEST"
    memory_limit_in_mb = int(os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256"))
    invoked_function_arn = f"arn:aws:lambda:us-west-2:123456789012:function:{function_name}"
    aws_request_id = "00000000-0000-4000-8000-000000000000"
    log_group_name = log_stream_name = ""

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 30_000


def main() -> None:
    app, events_file, result_file = sys.argv[1:4]
    with open(events_file) as source:
        first, warm = json.load(source)
    sys.path.insert(0, os.path.dirname(os.path.abspath(app)))  # the function's code, /var/task
    print(f"{MARK}import", file=sys.stderr, flush=True)  # for -X importtime's lines that follow
    wall, cpu = time.perf_counter(), time.process_time()
    import runpy

    handler = runpy.run_path(app)["lambda_handler"]
    imported = time.perf_counter() - wall, time.process_time() - cpu
    timings = {"import": imported}
    for name, event in (("first_event", first), ("warm_event", warm)):
        print(f"{MARK}{name}", file=sys.stderr, flush=True)
        wall, cpu = time.perf_counter(), time.process_time()
        result = handler(event, Context())
        timings[name] = time.perf_counter() - wall, time.process_time() - cpu
    with open(result_file, "w") as sink:
        json.dump({**timings, "result": result}, sink, default=str)


if __name__ == "__main__":
    main()
