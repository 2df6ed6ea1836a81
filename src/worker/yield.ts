/**
 * Lets the worker's event loop run. ORT's run() promises resolve as microtasks, so a decode loop
 * would otherwise never let an incoming message (abort, release) be handled until it finished.
 * A message round trip is an ordinary FIFO task: it has no nested-setTimeout 4 ms clamp, and
 * unlike scheduler.yield() (whose continuation jumps the queue) it lets waiting tasks run first.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}
