namespace Shoal.Gateway.Edge;

/// <summary>
/// Reads a device's byte stream for the MQTT broker and ends the connection as soon as a packet announces more bytes
/// than it may have: the first packet (a CONNECT) a few kilobytes, every later one the payload limit and its headers.
/// MQTTnet reserves a buffer of the announced length before reading the body, so the limit must hold before the
/// broker sees the last byte of a remaining length; anything that breaks it reaches the broker as a closed stream.
/// </summary>
internal sealed class PacketSizeGuard(Stream inner, int firstPacketLimit, int laterPacketLimit, Action firstPacketRead) : Stream
{
    private enum Part { FixedHeader, RemainingLength, Body }

    private Part _part;
    private long _length;
    private long _multiplier = 1;
    private int _lengthBytes;
    private long _bodyLeft;
    private bool _firstPacketDone;
    private bool _broken;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_broken)
        {
            return 0;
        }
        var read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        if (!Admit(buffer.Span[..read]))
        {
            _broken = true;
            return 0;
        }
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

    /// <summary>Follows the packets through <paramref name="bytes"/>; false as soon as one is larger than it may be, or malformed.</summary>
    private bool Admit(ReadOnlySpan<byte> bytes)
    {
        var i = 0;
        while (i < bytes.Length)
        {
            switch (_part)
            {
                case Part.FixedHeader:
                    i++;
                    (_part, _length, _multiplier, _lengthBytes) = (Part.RemainingLength, 0, 1, 0);
                    break;
                case Part.RemainingLength:
                    var b = bytes[i++];
                    _length += (b & 0x7F) * _multiplier;
                    _multiplier *= 128;
                    _lengthBytes++;
                    if (_length > (_firstPacketDone ? laterPacketLimit : firstPacketLimit) || (b & 0x80) != 0 && _lengthBytes == 4)
                    {
                        return false;
                    }
                    if ((b & 0x80) == 0)
                    {
                        _bodyLeft = _length;
                        _part = Part.Body;
                        EndPacketIfRead();
                    }
                    break;
                case Part.Body:
                    var taken = (int)Math.Min(_bodyLeft, bytes.Length - i);
                    i += taken;
                    _bodyLeft -= taken;
                    EndPacketIfRead();
                    break;
            }
        }
        return true;
    }

    private void EndPacketIfRead()
    {
        if (_bodyLeft > 0)
        {
            return;
        }
        _part = Part.FixedHeader;
        if (!_firstPacketDone)
        {
            _firstPacketDone = true;
            firstPacketRead();
        }
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => inner.WriteAsync(buffer, cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        inner.WriteAsync(buffer, offset, count, cancellationToken);

    public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override void Flush() => inner.Flush();

    public override bool CanRead => true;
    public override bool CanWrite => true;
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }
        base.Dispose(disposing);
    }
}
