using System;
using System.Threading;

namespace Commons.Metering.Firmware.Drivers
{
    /// <summary>A blocking connect run on its own thread, so the caller's loop waits for it at most a
    /// bounded time. An MQTT connect to a broker that does not answer blocks for its timeout plus DNS
    /// and TCP (M2Mqtt: up to 30 s and more); on the main loop that would stop sensor polling and,
    /// with a watchdog_ms of 5000, reboot a board whose only fault is an unreachable broker. The
    /// board's transport starts one attempt, waits <see cref="Wait"/> a short time each Tick, and
    /// reports "not connected yet" while the attempt goes on in the background.</summary>
    internal sealed class ConnectAttempt
    {
        public const int Running = 0;
        public const int Succeeded = 1;
        public const int Failed = 2;

        /// <summary>The blocking work: true when connected. An exception counts as a failure.</summary>
        public delegate bool Work();

        private readonly object _sync = new object();
        private readonly Work _work;
        private readonly Thread _thread;
        private int _state = Running;
        private string _error;

        public ConnectAttempt(Work work)
        {
            if (work == null)
            {
                throw new ArgumentNullException("work");
            }
            _work = work;
            _thread = new Thread(Run);
            _thread.Start();
        }

        /// <summary>The exception message of a failed attempt, or null.</summary>
        public string Error
        {
            get
            {
                lock (_sync)
                {
                    return _error;
                }
            }
        }

        /// <summary>Waits up to <paramref name="waitMs"/> (0 = just look) for the attempt to end;
        /// returns <see cref="Running"/>, <see cref="Succeeded"/> or <see cref="Failed"/>.</summary>
        public int Wait(int waitMs)
        {
            if (waitMs > 0)
            {
                _thread.Join(waitMs);
            }
            lock (_sync)
            {
                return _state;
            }
        }

        private void Run()
        {
            bool ok = false;
            string error = null;
            try
            {
                ok = _work();
            }
            catch (Exception ex)
            {
                error = ex.Message;
            }
            lock (_sync)
            {
                _error = error;
                _state = ok ? Succeeded : Failed;
            }
        }
    }
}
