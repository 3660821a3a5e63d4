using System.IO.Ports;
using Commons.Metering.Firmware;
using Commons.Metering.Firmware.Drivers;
using nanoFramework.Hardware.Esp32;

namespace Commons.Metering.Esp32.Board
{
    /// <summary>A PZEM-004T v3 on UART2 (COM2, pins remapped from the pin map), polled with the core's
    /// Modbus driver; its energy register (Wh) is sampled into a RegisterChannel.</summary>
    internal sealed class PzemMeter
    {
        /// <summary>A 25-byte answer takes 26 ms at 9600 baud 8N1 (10 bits a byte); the module
        /// answers well within 500 ms, after which the poll counts as failed.</summary>
        private const int AnswerTimeoutMs = 500;

        private readonly SerialPort _port;
        private readonly RegisterChannel _channel;
        private readonly byte _address;
        private readonly byte[] _request = new byte[Pzem004t.RequestLength];
        private readonly byte[] _answer = new byte[Pzem004t.ResponseLength];
        private readonly PzemReading _reading = new PzemReading();

        public PzemMeter(int rxGpio, int txGpio, int address, RegisterChannel channel)
        {
            _channel = channel;
            _address = (byte)address;
            Configuration.SetPinFunction(rxGpio, DeviceFunction.COM2_RX);
            Configuration.SetPinFunction(txGpio, DeviceFunction.COM2_TX);
            _port = new SerialPort("COM2", Pzem004t.BaudRate, Parity.None, 8, StopBits.One);
            _port.ReadTimeout = AnswerTimeoutMs;
            _port.WriteTimeout = AnswerTimeoutMs;
            _port.Open();
            Pzem004t.BuildReadRequest(_address, _request);
        }

        public PzemReading Last { get { return _reading; } }

        /// <summary>One request and answer; on success the energy register is sampled. False on a
        /// timeout, CRC error or exception answer: the register keeps its last value.</summary>
        public bool Poll()
        {
            try
            {
                while (_port.BytesToRead > 0)
                {
                    _port.ReadByte(); // a late answer to an earlier poll
                }
                _port.Write(_request, 0, _request.Length);
                int received = 0;
                int status = Pzem004t.Incomplete;
                while (status == Pzem004t.Incomplete && received < _answer.Length)
                {
                    int n = _port.Read(_answer, received, _answer.Length - received);
                    if (n <= 0)
                    {
                        break;
                    }
                    received += n;
                    status = Pzem004t.ParseReadResponse(_answer, received, _address, _reading);
                }
                if (status != Pzem004t.Ok)
                {
                    BoardLog.Line("pzem: status " + status + " exception " + _reading.ExceptionCode);
                    return false;
                }
                _channel.Sample(_reading.EnergyWh);
                return true;
            }
            catch (System.Exception ex)
            {
                BoardLog.Line("pzem: " + ex.Message); // read timeout: no module, wiring, mains off
                return false;
            }
        }
    }
}
