namespace Commons.Metering.Gateway.Domain;

public enum UplinkKind
{
    Reading,
    Event,
    Status,
    Ack,
    Gauge,
}
