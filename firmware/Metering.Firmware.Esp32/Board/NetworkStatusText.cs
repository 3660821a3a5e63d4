using nanoFramework.Networking;

namespace Commons.Metering.Esp32.Board
{
    /// <summary>The network helper's status as its name: nanoFramework keeps no enum names on the
    /// device, so <c>ToString()</c> of an enum logs a bare number. Every member of
    /// NetworkHelperStatus (System.Net) is listed; a test compares this list with the package's enum.</summary>
    internal static class NetworkStatusText
    {
        public static string Of(NetworkHelperStatus status)
        {
            switch (status)
            {
                case NetworkHelperStatus.None: return "None";
                case NetworkHelperStatus.Started: return "Started";
                case NetworkHelperStatus.NetworkIsReady: return "NetworkIsReady";
                case NetworkHelperStatus.FailedNoNetworkInterface: return "FailedNoNetworkInterface";
                case NetworkHelperStatus.TokenExpiredWaitingIPAddress: return "TokenExpiredWaitingIPAddress";
                case NetworkHelperStatus.TokenExpiredWaitingDateTime: return "TokenExpiredWaitingDateTime";
                case NetworkHelperStatus.ErrorConnetingToWiFiWhileScanning: return "ErrorConnetingToWiFiWhileScanning";
                case NetworkHelperStatus.ExceptionOccurred: return "ExceptionOccurred";
                case NetworkHelperStatus.Reconnecting: return "Reconnecting";
                default: return "status " + ((int)status).ToString();
            }
        }
    }
}
