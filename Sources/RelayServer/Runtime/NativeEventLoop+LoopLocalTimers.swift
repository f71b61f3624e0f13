#if os(Linux)
import Relay
import RelayIO

/// Filters' timers (`Dispatcher.schedule`) on the native engine go straight into the loop's
/// timer heap: tcp_proxy's idle timer and the upstream connect timeout are armed on every
/// connection, and a NIO `Scheduled` costs a promise, a future and two closures each.
extension NativeEventLoop: LoopLocalTimers {}
#endif
