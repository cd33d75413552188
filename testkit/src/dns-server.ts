import dns2 from "dns2";

const { Packet } = dns2;

/**
 * A real DNS server on loopback (UDP) for the publishers' domain checks: it answers TXT queries from a zone the test
 * edits. A name in the zone answers its TXT records (none: an empty NOERROR answer, which resolvers read as "no
 * data"); a name outside it answers NXDOMAIN. `stop` closes the socket (a resolver pointed at it then finds nobody:
 * ECONNREFUSED) and `resume` listens again on the same port. Point the relayer at it with
 * `publishers.dnsServers: [server.address]`.
 */
export class TxtDnsServer {
  /** `127.0.0.1:<port>`, as `Resolver.setServers` takes it. */
  readonly address: string;
  readonly port: number;
  private readonly zone: Map<string, string[]>;
  private server: dns2.DnsServer | null;

  private constructor(server: dns2.DnsServer, port: number, zone: Map<string, string[]>) {
    this.server = server;
    this.port = port;
    this.address = `127.0.0.1:${port}`;
    this.zone = zone;
  }

  static async start(port = 0): Promise<TxtDnsServer> {
    const zone = new Map<string, string[]>();
    const { server, port: bound } = await listen(zone, port);
    return new TxtDnsServer(server, bound, zone);
  }

  /** Sets a name's TXT records (replacing any), and puts the name in the zone. */
  setTxt(name: string, values: readonly string[]): void {
    this.zone.set(name.toLowerCase(), [...values]);
  }

  /** Puts a name in the zone without TXT records (queries answer "no data", not NXDOMAIN). */
  addName(name: string): void {
    if (!this.zone.has(name.toLowerCase())) this.zone.set(name.toLowerCase(), []);
  }

  /** Takes a name out of the zone: it answers NXDOMAIN. */
  remove(name: string): void {
    this.zone.delete(name.toLowerCase());
  }

  async stop(): Promise<void> {
    await this.server?.close();
    this.server = null;
  }

  async resume(): Promise<void> {
    if (this.server) return;
    this.server = (await listen(this.zone, this.port)).server;
  }

  close(): Promise<void> {
    return this.stop();
  }
}

async function listen(zone: Map<string, string[]>, port: number): Promise<{ server: dns2.DnsServer; port: number }> {
  const server = dns2.createServer({
    udp: true,
    handle: (request, send) => {
      const response = Packet.createResponseFromRequest(request);
      const question = request.questions[0];
      const records = question ? zone.get(question.name.toLowerCase()) : undefined;
      if (!question || records === undefined) {
        response.header.rcode = Packet.RCODE.NXDOMAIN;
      } else if (question.type === Packet.TYPE.TXT) {
        for (const data of records) {
          // The package's Resource type also lists its encoder, which the server adds when it writes the answer.
          const answer = { name: question.name, type: Packet.TYPE.TXT, class: Packet.CLASS.IN, ttl: 0, data };
          response.answers.push(answer as dns2.Packet.Resource);
        }
      }
      void send(response);
    },
  });
  const addresses = await server.listen({ udp: { port, address: "127.0.0.1" } });
  const bound = addresses.udp?.port;
  if (bound === undefined) throw new Error("the DNS server did not bind a UDP port");
  return { server, port: bound };
}
