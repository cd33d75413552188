/**
 * Nodes per country on a world map drawn from bundled low-resolution geometry (world-atlas countries-110m,
 * TopoJSON), equirectangular projection, no tile server. Loaded lazily with the Network page.
 */
import type { Feature, GeometryObject, MultiPolygon, Polygon } from "geojson";
import { useMemo } from "react";
import { feature } from "topojson-client";
import type { GeometryCollection, Topology } from "topojson-specification";
import countries110m from "world-atlas/countries-110m.json";
import { countsByNumeric } from "../lib/countries.ts";

const WIDTH = 960;
const HEIGHT = 440;
// Latitudes shown: 84°N .. 60°S (Antarctica left out).
const TOP = 84;
const BOTTOM = -60;

const project = ([lon, lat]: number[]): string =>
  `${(((lon ?? 0) + 180) / 360) * WIDTH},${((TOP - (lat ?? 0)) / (TOP - BOTTOM)) * HEIGHT}`;

/**
 * A ring that crosses the antimeridian (eastern Russia, Fiji, the Aleutians) would be drawn as a band across the
 * whole map; its western points are moved east by 360° instead, and the SVG clips what falls off the right edge.
 */
export function ringPath(ring: number[][]): string {
  const lons = ring.map((p) => p[0] ?? 0);
  const crosses = Math.max(...lons) - Math.min(...lons) > 180;
  const points = crosses ? ring.map(([lon = 0, lat = 0]) => [lon < 0 ? lon + 360 : lon, lat]) : ring;
  return `M${points.map(project).join("L")}Z`;
}

export function geometryPath(geometry: Polygon | MultiPolygon | null): string {
  if (!geometry) return "";
  const polygons = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates;
  return polygons.map((polygon) => polygon.map(ringPath).join("")).join("");
}

interface Shape {
  id: string;
  name: string;
  d: string;
}

let shapes: Shape[] | null = null;
function loadShapes(): Shape[] {
  if (shapes) return shapes;
  const topology = countries110m as unknown as Topology<{ countries: GeometryCollection<{ name: string }> }>;
  const collection = feature(topology, topology.objects.countries) as unknown as {
    features: Array<Feature<GeometryObject, { name: string }> & { id?: string | number }>;
  };
  shapes = collection.features
    .filter((f) => f.properties?.name !== "Antarctica")
    .map((f) => ({
      id: String(f.id ?? ""),
      name: f.properties?.name ?? "",
      d: geometryPath(f.geometry as Polygon | MultiPolygon | null),
    }));
  return shapes;
}

export default function WorldMap({ perCountry }: { perCountry: Record<string, number> }) {
  const all = useMemo(loadShapes, []);
  const counts = useMemo(() => countsByNumeric(perCountry), [perCountry]);
  const max = Math.max(1, ...counts.values());
  return (
    <svg className="world" viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label="World map of nodes per country">
      {all.map((shape) => {
        const count = counts.get(shape.id) ?? 0;
        const intensity = count > 0 ? 0.35 + 0.65 * (count / max) : 0;
        return (
          <path
            key={`${shape.id}-${shape.name}`}
            d={shape.d}
            className={count > 0 ? "land active" : "land"}
            style={count > 0 ? { fillOpacity: intensity } : undefined}
          >
            <title>{count > 0 ? `${shape.name}: ${count} node${count === 1 ? "" : "s"}` : shape.name}</title>
          </path>
        );
      })}
    </svg>
  );
}
