using System.Device.Wifi;
using System.Threading;
using nanoFramework.Networking;

namespace Commons.Metering.Esp32.Board
{
    /// <summary>Wi-Fi through WifiNetworkHelper (nanoFramework.System.Device.Wifi): DHCP, then SNTP
    /// so the RTC holds real time; the helper reconnects by itself afterwards
    /// (WifiReconnectionKind.Automatic). Runs on its own thread: counting never waits for the network.</summary>
    internal sealed class WifiLink
    {
        /// <summary>Association + DHCP + SNTP normally take 2-10 s; past 60 s the access point is
        /// out of reach and the next attempt starts over.</summary>
        private const int ConnectTimeoutMs = 60000;

        /// <summary>Pause between failed attempts (the helper's automatic reconnection covers drops
        /// after a first success).</summary>
        private const int RetryPauseMs = 30000;

        private readonly string _ssid;
        private readonly string _password;

        public WifiLink(string ssid, string password)
        {
            _ssid = ssid;
            _password = password;
        }

        public bool IsUp { get; private set; }

        public void StartInBackground()
        {
            new Thread(ConnectUntilUp).Start();
        }

        private void ConnectUntilUp()
        {
            while (!IsUp)
            {
                CancellationTokenSource timeout = new CancellationTokenSource(ConnectTimeoutMs);
                bool ok = WifiNetworkHelper.ConnectDhcp(_ssid, _password, WifiReconnectionKind.Automatic,
                    requiresDateTime: true, token: timeout.Token);
                if (ok)
                {
                    IsUp = true;
                    BoardLog.Line("wifi: connected, clock set");
                    return;
                }
                BoardLog.Line("wifi: " + NetworkStatusText.Of(WifiNetworkHelper.Status)
                    + (WifiNetworkHelper.HelperException != null ? " " + WifiNetworkHelper.HelperException.Message : ""));
                Thread.Sleep(RetryPauseMs);
            }
        }
    }
}
