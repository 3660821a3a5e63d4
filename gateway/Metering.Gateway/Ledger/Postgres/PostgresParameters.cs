using Npgsql;
using NpgsqlTypes;

namespace Commons.Metering.Gateway.Ledger.Postgres;

/// <summary>Positional parameters ($1, $2...): integers always as bigint (the schema's type for every
/// register, seq and time), a null untyped so PostgreSQL takes the type of the column it is assigned to
/// (a null is only ever assigned, never compared).</summary>
internal static class PostgresParameters
{
    public static NpgsqlParameter Of(object? value) => value switch
    {
        null => new NpgsqlParameter { Value = DBNull.Value },
        int i => new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bigint, Value = (long)i },
        long l => new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bigint, Value = l },
        string s => new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = s },
        _ => new NpgsqlParameter { Value = value },
    };
}
