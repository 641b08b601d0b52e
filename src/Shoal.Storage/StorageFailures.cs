using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Shoal.Storage;

public static class StorageFailures
{
    private const int SqliteForeignKeyConstraint = 787;
    private const string PostgresForeignKeyViolation = "23503";

    /// <summary>
    /// Whether <paramref name="error"/> is a write refused because a row it refers to is gone: a message of a device that
    /// was deleted while the message was on its way. An expected race, not a fault.
    /// </summary>
    public static bool IsMissingReference(Exception? error)
    {
        for (; error is not null; error = error.InnerException)
        {
            if (error is SqliteException { SqliteExtendedErrorCode: SqliteForeignKeyConstraint } or DbException { SqlState: PostgresForeignKeyViolation })
            {
                return true;
            }
        }
        return false;
    }
}
