// The agents' stop signals: SIGTERM and SIGINT call `on_stop` (which must only set a flag),
// SIGPIPE is ignored (a peer that hangs up is an error on the write, not a death). Installed
// and unblocked whatever mask the parent passed down: a blocked SIGTERM would never stop us.
#pragma once

namespace rampart::agent {

void HandleStopSignals(void (*on_stop)(int));

}  // namespace rampart::agent
