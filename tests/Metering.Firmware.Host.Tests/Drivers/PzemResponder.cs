namespace Commons.Metering.Tests.Drivers;

/// <summary>A PZEM-004T v3 on the far end of a pseudo-terminal, built from datasheet frames only
/// (never from the core's framing code, which is what is under test): it answers the datasheet's
/// read request (slave 0x01 or the general address 0xF8) with the next queued answer, in the given pieces. Runs on its own
/// thread until disposed.</summary>
internal sealed class PzemResponder : IDisposable
{
    /// <summary>PZEM-004T V3.0 datasheet, "read the measurement result": slave 0x01, function 0x04,
    /// registers 0x0000..0x0009, CRC 0x0D70 low byte first.</summary>
    public static readonly byte[] DatasheetReadRequest = Hex("01 04 00 00 00 0A 70 0D");

    /// <summary>The same request to the general address 0xF8 (datasheet: for a single slave on the
    /// bus); CRC 0x6464 computed independently (Python, poly 0xA001). The module answers with its own
    /// address, 0x01 here.</summary>
    public static readonly byte[] GeneralAddressReadRequest = Hex("F8 04 00 00 00 0A 64 64");

    /// <summary>Register map of the datasheet (2.3): 220.0 V (0x0898), 1.000 A (0x03E8, 0x0000),
    /// 220.0 W (0x0898, 0x0000), 100,000 Wh (low word 0x86A0 first, high 0x0001), 50.0 Hz (0x01F4),
    /// PF 1.00 (0x0064), no alarm; CRC-16/MODBUS 0xFE6C computed independently (Python, poly 0xA001).</summary>
    public static readonly byte[] Answer100000Wh = Hex("01 04 14 08 98 03 E8 00 00 08 98 00 00 86 A0 00 01 01 F4 00 64 00 00 6C FE");

    /// <summary>220.1 V, 2.000 A, 440.0 W, 100,005 Wh, 49.9 Hz, PF 0.98; CRC 0x5F6E.</summary>
    public static readonly byte[] Answer100005Wh = Hex("01 04 14 08 99 07 D0 00 00 11 30 00 00 86 A5 00 01 01 F3 00 62 00 00 6E 5F");

    /// <summary>Modbus exception 0x02 (illegal address) from slave 0x01; CRC from the Modbus tables.</summary>
    public static readonly byte[] ExceptionIllegalAddress = Hex("01 84 02 C2 C1");

    private readonly PseudoTerminal _pty;
    private readonly Queue<byte[][]> _answers = new();
    private readonly List<byte[]> _requests = [];
    private readonly object _gate = new();
    private readonly Thread _thread;
    private volatile bool _stop;

    public PzemResponder(PseudoTerminal pty)
    {
        _pty = pty;
        _thread = new Thread(Run) { IsBackground = true, Name = "pzem responder" };
        _thread.Start();
    }

    /// <summary>The answer to the next request, sent in these pieces (one write each).</summary>
    public void Enqueue(params byte[][] pieces)
    {
        lock (_gate) _answers.Enqueue(pieces);
    }

    /// <summary>The requests received so far, as framed by the 8-byte length.</summary>
    public IReadOnlyList<byte[]> Requests
    {
        get { lock (_gate) return [.. _requests]; }
    }

    /// <summary>Waits (bounded) until <paramref name="count"/> requests have arrived.</summary>
    public bool WaitForRequests(int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        lock (_gate)
        {
            while (_requests.Count < count)
            {
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero) return false;
                Monitor.Wait(_gate, left);
            }
            return true;
        }
    }

    public void Dispose()
    {
        _stop = true;
        _thread.Join(TimeSpan.FromSeconds(5));
    }

    private void Run()
    {
        var pending = new List<byte>();
        while (!_stop)
        {
            pending.AddRange(_pty.Read(timeoutMs: 50));
            while (pending.Count >= DatasheetReadRequest.Length)
            {
                var request = pending.Take(DatasheetReadRequest.Length).ToArray();
                pending.RemoveRange(0, request.Length);
                byte[][]? answer = null;
                lock (_gate)
                {
                    _requests.Add(request);
                    Monitor.PulseAll(_gate);
                    if ((request.AsSpan().SequenceEqual(DatasheetReadRequest) || request.AsSpan().SequenceEqual(GeneralAddressReadRequest)) && _answers.Count > 0) answer = _answers.Dequeue();
                }
                foreach (var piece in answer ?? [])
                {
                    _pty.Write(piece);
                    Thread.Sleep(20); // the pieces arrive as separate reads, as on a slow UART
                }
            }
        }
    }

    public static byte[] Hex(string text) => Convert.FromHexString(text.Replace(" ", ""));
}
