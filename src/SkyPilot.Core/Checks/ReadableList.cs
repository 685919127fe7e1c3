using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Linq;

namespace SkyPilot.Core.Checks
{
    /// <summary>
    /// A read-only list that reads as its items (<c>a, b</c>) where a table, a CSV export or a string shows it, instead of
    /// a collection's type name; a list in JSON and through serialization.
    /// </summary>
    public sealed class ReadableList<T> : ReadOnlyCollection<T>
    {
        public static readonly ReadableList<T> None = new ReadableList<T>(new T[0]);

        private ReadableList(IList<T> items)
            : base(items)
        {
        }

        public static ReadableList<T> Of(IEnumerable<T>? items) => items is ReadableList<T> list ? list : items is null ? None : new ReadableList<T>(items.ToArray());

        public override string ToString() => string.Join(", ", this);
    }
}
