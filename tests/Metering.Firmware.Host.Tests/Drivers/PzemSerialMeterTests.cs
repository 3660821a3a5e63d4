using System.Diagnostics;
using Commons.Metering.Firmware;
using Commons.Metering.Firmware.Drivers;
using Commons.Metering.Firmware.Host.Drivers;

namespace Commons.Metering.Tests.Drivers;

/// <summary>The PZEM-004T driver end to end over a real pseudo-terminal: System.IO.Ports'
/// SerialPort on /dev/pts/N, the core's Modbus framing, a responder that speaks datasheet frames.</summary>
public sealed class PzemSerialMeterTests : IDisposable
{
    private readonly OfflineDevice _meter = new("e-pzem");
    private readonly RegisterChannel _grid;
    private readonly PseudoTerminal _pty = new();
    private readonly PzemResponder _pzem;

    public PzemSerialMeterTests()
    {
        _grid = _meter.Device.AddRegisterChannel("grid", "Wh");
        _meter.Device.Start();
        _pzem = new PzemResponder(_pty);
    }

    [Fact]
    public void Poll_SendsTheDatasheetRequest_AndSamplesTheEnergyRegister()
    {
        using var meter = new PzemSerialMeter(_pty.SlavePath, 0x01, _grid);
        _pzem.Enqueue(PzemResponder.Answer100000Wh);

        Assert.True(meter.Poll(), $"status {meter.LastStatus}");

        Assert.Equal(PzemResponder.DatasheetReadRequest, Assert.Single(_pzem.Requests));
        Assert.Equal(100_000, _grid.Register);
        var r = meter.Last!;
        Assert.Equal((2200, 1000L, 2200L, 500, 100, false), (r.VoltageDeciV, r.CurrentMilliA, r.PowerDeciW, r.FrequencyDeciHz, r.PowerFactorCenti, r.Alarm));
    }

    [Fact]
    public void Poll_AnswerArrivingInPieces_IsReassembled()
    {
        using var meter = new PzemSerialMeter(_pty.SlavePath, 0x01, _grid);
        var a = PzemResponder.Answer100005Wh;
        _pzem.Enqueue(a[..3], a[3..14], a[14..]);

        Assert.True(meter.Poll(), $"status {meter.LastStatus}");
        Assert.Equal(100_005, _grid.Register);
        Assert.Equal((2201, 2000L, 4400L, 499, 98), (meter.Last!.VoltageDeciV, meter.Last.CurrentMilliA, meter.Last.PowerDeciW, meter.Last.FrequencyDeciHz, meter.Last.PowerFactorCenti));
    }

    [Fact]
    public void Poll_CorruptedAnswer_FailsTheCrc_AndKeepsTheLastRegister()
    {
        using var meter = new PzemSerialMeter(_pty.SlavePath, 0x01, _grid);
        _pzem.Enqueue(PzemResponder.Answer100000Wh);
        Assert.True(meter.Poll());
        var corrupted = (byte[])PzemResponder.Answer100005Wh.Clone();
        corrupted[16] ^= 0x10; // one bit of the energy register flipped on the line
        _pzem.Enqueue(corrupted);

        Assert.False(meter.Poll());
        Assert.Equal(Pzem004t.BadCrc, meter.LastStatus);
        Assert.Equal(100_000, _grid.Register);
        Assert.Equal(1, meter.Failures);
    }

    [Fact]
    public void Poll_ExceptionAnswer_Fails_WithTheExceptionStatus()
    {
        using var meter = new PzemSerialMeter(_pty.SlavePath, 0x01, _grid);
        _pzem.Enqueue(PzemResponder.ExceptionIllegalAddress);

        Assert.False(meter.Poll());
        Assert.Equal(Pzem004t.Exception, meter.LastStatus);
        Assert.Equal(0, _grid.Register);
    }

    [Fact]
    public void Poll_NoModuleAnswering_TimesOut_AndTheNextAnswerStillWorks()
    {
        using var meter = new PzemSerialMeter(_pty.SlavePath, 0x01, _grid, answerTimeoutMs: 300);
        var watch = Stopwatch.StartNew();
        Assert.False(meter.Poll()); // nothing queued: the responder stays silent
        Assert.Equal(-1, meter.LastStatus);
        Assert.InRange(watch.ElapsedMilliseconds, 250, 10_000);
        Assert.True(_pzem.WaitForRequests(1, TimeSpan.FromSeconds(10))); // the unanswered request is gone by

        _pzem.Enqueue(PzemResponder.Answer100000Wh);
        Assert.True(meter.Poll(), $"status {meter.LastStatus}");
        Assert.Equal(100_000, _grid.Register);
        Assert.Equal(2, _pzem.Requests.Count);
    }

    public void Dispose()
    {
        _pzem.Dispose();
        _pty.Dispose();
        _meter.Dispose();
    }
}
