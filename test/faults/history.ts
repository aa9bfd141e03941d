import type { EventLog } from '../../dev/local/workflow.ts';

/*
 * How many events an execution adds to its Step Functions history (capped at
 * 25,000), counted from the local engine's event log.
 *
 * aws-local-stepfunctions logs state-level events (StateEntered, StateFailed,
 * StateRetried, StateCaught, StateExited) and execution-level ones. Each stands
 * for these history events of a standard workflow whose Task states invoke
 * Lambda functions by ARN:
 *
 * | engine event             | history events it stands for                                        | n |
 * | ------------------------ | ------------------------------------------------------------------- | - |
 * | ExecutionStarted         | ExecutionStarted                                                    | 1 |
 * | Execution…Succeeded/Failed/Terminated | ExecutionSucceeded / ExecutionFailed / ExecutionAborted | 1 |
 * | StateEntered (Task)      | TaskStateEntered + LambdaFunctionScheduled + LambdaFunctionStarted  | 3 |
 * | StateFailed (Task)       | LambdaFunctionFailed (or …TimedOut / …StartFailed)                  | 1 |
 * | StateRetried (Task)      | LambdaFunctionScheduled + LambdaFunctionStarted (the next attempt)  | 2 |
 * | StateCaught (Task)       | nothing of its own: the Catch's transition is in TaskStateExited    | 0 |
 * | StateExited (Task)       | LambdaFunctionSucceeded + TaskStateExited (TaskStateExited only after a Catch) | 2 (1) |
 * | StateEntered (other)     | PassStateEntered / WaitStateEntered / ChoiceStateEntered / …        | 1 |
 * | StateExited (other)      | PassStateExited / WaitStateExited / ChoiceStateExited / …           | 1 |
 * | StateFailed (Fail state) | nothing: ExecutionFailed records it                                 | 0 |
 *
 * Where the real history may hold fewer events (a throttled invocation may be
 * recorded as Scheduled + StartFailed without a Started), this counts the larger
 * number, so the result is an upper bound.
 */

type StateEvent = EventLog & { state?: { name: string; type: string } };

/** History events one engine event stands for. `caught` says whether the state's last attempt was caught. */
export function historyEventsFor(event: StateEvent, caught: boolean): number {
  const isTask = event.state?.type === 'Task';
  switch (event.type) {
    case 'ExecutionStarted':
    case 'ExecutionSucceeded':
    case 'ExecutionFailed':
    case 'ExecutionTerminated':
      return 1;
    case 'StateEntered':
      return isTask ? 3 : 1;
    case 'StateFailed':
      return isTask ? 1 : 0;
    case 'StateRetried':
      return isTask ? 2 : 0;
    case 'StateCaught':
      return 0;
    case 'StateExited':
      return isTask ? (caught ? 1 : 2) : 1;
    default:
      // Map and Parallel events: this workflow has neither. Count them so nothing is hidden.
      return 1;
  }
}

/** The Step Functions history length the engine's event log stands for. */
export function countHistoryEvents(events: readonly EventLog[]): number {
  let total = 0;
  let caught = false;
  for (const event of events as readonly StateEvent[]) {
    if (event.type === 'StateEntered') caught = false;
    if (event.type === 'StateCaught') caught = true;
    total += historyEventsFor(event, caught);
  }
  return total;
}

/** Step Functions' limit on an execution's history. */
export const HISTORY_EVENT_LIMIT = 25_000;
