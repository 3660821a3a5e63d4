using Commons.Metering.Firmware.Host.Mqtt;
using Commons.Metering.Firmware.Host.Platform;
using Commons.Metering.Firmware.Host.Replay;
using Commons.Metering.Gateway.Domain;

namespace Commons.Metering.Firmware.Host.Fleet;

/// <summary>What a <see cref="MeterFleet"/> runs. Defaults live here and nowhere else.</summary>
public sealed class FleetOptions
{
    public required MqttBrokerOptions Broker { get; init; }

    /// <summary>Holds each meter's flash file and the fleet's clock, so a restart from the same
    /// directory continues every meter's sequence numbers, registers and outbox.</summary>
    public required string DataDirectory { get; init; }

    public string Community { get; init; } = "demo";
    public int Meters { get; init; } = 30;

    /// <summary>The number in the first meter's id (w-0001 with the default 1). Fleets that share a broker
    /// and a ledger, one per community, take disjoint ranges: a meter id is one device everywhere.</summary>
    public int FirstMeter { get; init; } = 1;

    /// <summary>Relative shares of water, energy and forest meters (default 6:3:1).</summary>
    public (int Water, int Energy, int Forest) Mix { get; init; } = (6, 3, 1);

    /// <summary>Device time between periodic readings.</summary>
    public int ReadingIntervalMs { get; init; } = 60_000;

    /// <summary>Device milliseconds per real millisecond; 1 is real time.</summary>
    public double ClockSpeed { get; init; } = 1;

    /// <summary>Device time at start; by default now at speed 1 and a week back when sped up,
    /// so a sped-up run stays in the past (the gateway rejects readings more than a day ahead,
    /// docs/protocol.md "clock_future"). A restart continues after the time the fleet saved.</summary>
    public long? ClockStartUnixMs { get; init; }

    /// <summary>A clock to use instead of the sped-up one (e.g. a <see cref="SimulatedClock"/> a test
    /// moves by hand); then <see cref="ClockSpeed"/> and <see cref="ClockStartUnixMs"/> are ignored.</summary>
    public Firmware.Platform.IClock? Clock { get; init; }

    /// <summary>Water arrives in whole draws of this many mL (a tap run, a flush), so a household
    /// has quiet spells between them, as real ones do, and leak detection can tell a leak
    /// (continuous flow) from use. 0 (default): use flows continuously at the profile's rate.</summary>
    public double WaterDrawMl { get; init; }

    /// <summary>When above 0, every water meter draws once (one <see cref="WaterDrawMl"/>, or 5 L) and every
    /// forest meter books one load with its permit at a random moment within this many ms of the start,
    /// before their profiles take over: a demo shows every resource moving in its first minute, where
    /// the profiles alone (about one 5 L draw per half hour, one load per 3.5 days) show nothing for
    /// long. 0 (default): the profiles only.</summary>
    public int FirstUseWithinMs { get; init; }

    /// <summary>The one channel a simulated meter without <see cref="Circuits"/> reports (its supply), as a policy names it.</summary>
    public const string ChannelName = "main";

    /// <summary>Water and energy meters report these channels, each with its own valve or relay, instead of
    /// the one <see cref="ChannelName"/> (e.g. <see cref="SimulatedCircuit.EnergyNode"/>). Empty (default):
    /// one channel <c>main</c>. Forest meters always have their one scale.</summary>
    public IReadOnlyList<SimulatedCircuit> Circuits { get; init; } = [];

    public int OutboxCapacity { get; init; } = 256;
    public int MaxInflight { get; init; } = 1;

    /// <summary>Real time after which a reading the broker acknowledged but the gateway did not confirm
    /// is sent again (docs/protocol.md, confirmation). Given in real time because a sped-up fleet's
    /// device clock would otherwise time out after milliseconds.</summary>
    public TimeSpan ConfirmTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary><see cref="ConfirmTimeout"/> in device milliseconds at <see cref="ClockSpeed"/>.</summary>
    public int DeviceConfirmTimeoutMs =>
        (int)Math.Clamp(ConfirmTimeout.TotalMilliseconds * (Clock is null ? ClockSpeed : 1), 1, int.MaxValue);

    /// <summary>Threads that step the meters; 2 matches the project's 2-core machines.</summary>
    public int Workers { get; init; } = 2;

    /// <summary>How often each worker steps all its meters (PUBACKs step a meter at once).</summary>
    public TimeSpan SweepInterval { get; init; } = TimeSpan.FromMilliseconds(50);

    public int Seed { get; init; } = 1;

    /// <summary>Mean firewood loads per forest meter per day (see <see cref="Sensors.ForestLoadProfile"/>).</summary>
    public double ForestLoadsPerDay { get; init; } = Sensors.ForestLoadProfile.DefaultLoadsPerDay;
    public BlockStoreDurability Durability { get; init; } = BlockStoreDurability.ProcessCrash;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad option.</summary>
    public void Validate()
    {
        if (!WireIds.IsId(Community)) throw new ArgumentException($"community '{Community}' must match ^[a-z0-9][a-z0-9_-]{{0,47}}$");
        if (Meters is < 1 or > 100_000) throw new ArgumentOutOfRangeException(nameof(Meters), Meters, "1..100000");
        if (FirstMeter is < 1 or > 1_000_000) throw new ArgumentOutOfRangeException(nameof(FirstMeter), FirstMeter, "1..1000000");
        if (ConfirmTimeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(ConfirmTimeout), ConfirmTimeout, "must be positive");
        if (Mix.Water < 0 || Mix.Energy < 0 || Mix.Forest < 0 || Mix.Water + Mix.Energy + Mix.Forest == 0)
            throw new ArgumentException("the mix needs non-negative shares with a positive sum");
        if (ReadingIntervalMs < 1) throw new ArgumentOutOfRangeException(nameof(ReadingIntervalMs));
        if (!(ClockSpeed > 0) || double.IsInfinity(ClockSpeed)) throw new ArgumentOutOfRangeException(nameof(ClockSpeed));
        if (Workers < 1) throw new ArgumentOutOfRangeException(nameof(Workers));
        if (!(WaterDrawMl >= 0) || double.IsInfinity(WaterDrawMl)) throw new ArgumentOutOfRangeException(nameof(WaterDrawMl));
        if (FirstUseWithinMs < 0) throw new ArgumentOutOfRangeException(nameof(FirstUseWithinMs), FirstUseWithinMs, "0 or more");
        SimulatedCircuit.Validate(Circuits);
    }

    /// <summary>The kind of meter number <paramref name="index"/> (0-based): the mix repeats in
    /// blocks, water first, so the same options always give the same fleet.</summary>
    public MeterKind KindOf(int index)
    {
        var total = Mix.Water + Mix.Energy + Mix.Forest;
        var slot = index % total;
        return slot < Mix.Water ? MeterKind.Water : slot < Mix.Water + Mix.Energy ? MeterKind.Energy : MeterKind.Forest;
    }

    public string MeterIdOf(int index) =>
        (KindOf(index) switch { MeterKind.Water => "w-", MeterKind.Energy => "e-", _ => "f-" }) + (FirstMeter + index).ToString("D4", System.Globalization.CultureInfo.InvariantCulture);
}
