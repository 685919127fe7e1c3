using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Linq;

namespace SkyPilot.Core.Checks
{
    /// <summary>
    /// A read-only list of names (permissions) that reads as its items: <c>a, b</c> where a table, a CSV export or a
    /// string shows it, instead of a collection's type name.
    /// </summary>
    public sealed class NameList : ReadOnlyCollection<string>
    {
        public static readonly NameList None = new NameList(new string[0]);

        private NameList(IList<string> names)
            : base(names)
        {
        }

        public static NameList Of(IEnumerable<string>? names) => names is NameList list ? list : names is null ? None : new NameList(names.ToArray());

        public override string ToString() => string.Join(", ", this);
    }
}
