// Reads lines "<base64 text>" and writes, per line, what Newtonsoft.Json's reader makes of that text as a string in a
// message body ({"t": "<text>"}, MedTech's settings): "D <epoch milliseconds>" for a date (its instant; the servers
// run in UTC), "S" when it stays a string, "X <exception>" when reading it throws (MedTech then fails the message).
using System; using System.IO; using System.Text; using Newtonsoft.Json;
class DateCases {
  static void Main() {
    string line; var sb = new StringBuilder();
    long epoch = new DateTime(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc).Ticks;
    while ((line = Console.ReadLine()) != null) {
      string text = Encoding.UTF8.GetString(Convert.FromBase64String(line.Trim()));
      try {
        using (var r = new JsonTextReader(new StringReader("{\"t\":" + JsonConvert.ToString(text) + "}"))) {
          r.Read(); r.Read(); r.Read();
          if (r.TokenType == JsonToken.Date) {
            object v = r.Value; long ticks;
            if (v is DateTime) { var d = (DateTime)v; ticks = d.Kind == DateTimeKind.Local ? d.ToUniversalTime().Ticks : d.Ticks; }
            else ticks = ((DateTimeOffset)v).UtcTicks;
            long t = ticks - epoch;
            sb.Append("D " + (t >= 0 ? t / 10000 : -((-t + 9999) / 10000)) + "\n");
          } else sb.Append("S\n");
        }
      } catch (Exception e) { sb.Append("X " + e.GetType().Name + "\n"); }
    }
    Console.Write(sb.ToString());
  }
}
