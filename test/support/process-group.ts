import type { ChildProcess } from "node:child_process";

/**
 * Sends `signal` to the process group that `child` leads (spawned with `detached: true`: a group of its own,
 * as a shell starts a command), only while `child` has not exited. Once node has reaped it, its id is free:
 * Linux hands ids out again after `pid_max` (32 768 by default, often reached in minutes on a machine running
 * test suites), and a process given that id may lead a group of its own (a shell's job), which a `kill -PGID`
 * would then stop. A group whose leader has exited is left alone (its other processes, if any, end with their
 * pipes). `true` when the signal was sent. Never throws.
 */
export function signalOwnGroup(child: ChildProcess, signal: NodeJS.Signals): boolean {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return false;
  try {
    return process.kill(-child.pid, signal);
  } catch {
    return false; // the group has ended meanwhile
  }
}
