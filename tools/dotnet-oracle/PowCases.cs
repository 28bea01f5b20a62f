// Reads lines "<x bits> <y bits>" (each a double's 64 bits in hexadecimal) and writes, per line, the bits of
// Math.Pow(x, y) as this runtime computes it (Mono on Linux calls the C library's pow, as .NET does there).
using System; using System.Globalization; using System.Text;
class PowCases {
  static double Read(string hex) {
    return BitConverter.Int64BitsToDouble(long.Parse(hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture));
  }
  static void Main() {
    string line; var sb = new StringBuilder();
    while ((line = Console.ReadLine()) != null) {
      string[] parts = line.Trim().Split(' ');
      double result = Math.Pow(Read(parts[0]), Read(parts[1]));
      sb.Append(BitConverter.DoubleToInt64Bits(result).ToString("x16", CultureInfo.InvariantCulture) + "\n");
    }
    Console.Write(sb.ToString());
  }
}
